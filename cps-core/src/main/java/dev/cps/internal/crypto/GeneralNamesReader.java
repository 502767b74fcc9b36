package dev.cps.internal.crypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.jspecify.annotations.Nullable;

/** Reads the DNS names of a subject alternative name extension, for CSRs and certificates alike. */
final class GeneralNamesReader {
  private GeneralNamesReader() {}

  /** The dNSName entries in lower case, in their order; empty without the extension. */
  static List<String> dnsNames(@Nullable Extensions extensions) {
    if (extensions == null) {
      return List.of();
    }
    GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
    if (names == null) {
      return List.of();
    }
    List<String> dns = new ArrayList<>();
    for (GeneralName name : names.getNames()) {
      if (name.getTagNo() == GeneralName.dNSName) {
        dns.add(((ASN1String) name.getName()).getString().toLowerCase(Locale.ROOT));
      }
    }
    return List.copyOf(dns);
  }
}
