package dev.cps.internal.crypto;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.jspecify.annotations.Nullable;

/**
 * The subject attributes CPS compares between a CSR and its certificate. A field that occurs more
 * than once holds its values joined by {@code ", "}; an absent field is {@code null}.
 */
record SubjectFields(
    @Nullable String commonName,
    @Nullable String organization,
    @Nullable String organizationalUnit,
    @Nullable String locality,
    @Nullable String state,
    @Nullable String country) {

  static SubjectFields of(X500Name name) {
    return new SubjectFields(
        value(name, BCStyle.CN), value(name, BCStyle.O), value(name, BCStyle.OU),
        value(name, BCStyle.L), value(name, BCStyle.ST), value(name, BCStyle.C));
  }

  /** Walks every attribute of every RDN, so multi-valued RDNs ({@code CN=a+O=b}) are read too. */
  private static @Nullable String value(X500Name name, ASN1ObjectIdentifier type) {
    List<String> values = new ArrayList<>(1);
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
        if (attribute.getType().equals(type)) {
          values.add(text(attribute.getValue()));
        }
      }
    }
    return values.isEmpty() ? null : String.join(", ", values);
  }

  private static String text(ASN1Encodable value) {
    return value instanceof ASN1String string ? string.getString() : value.toString();
  }
}
