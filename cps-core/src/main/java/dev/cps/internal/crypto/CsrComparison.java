package dev.cps.internal.crypto;

import dev.cps.spi.Warning;
import dev.cps.spi.WarningCode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** What the CA changed between the CSR and the certificate: DNS names and subject fields. */
final class CsrComparison {
  private CsrComparison() {}

  static void compare(ParsedCsr csr, ParsedCertificate certificate, List<Warning> warnings) {
    names(csr.names(), certificate.dnsNames(), warnings);
    SubjectFields asked = csr.subject();
    SubjectFields issued = certificate.subjectFields();
    field(WarningCode.CSR_VS_CERTIFICATE_CN_MISMATCH, SubjectFields::commonName, asked, issued, true, warnings);
    field(WarningCode.CSR_VS_CERTIFICATE_O_FIELD_MISMATCH, SubjectFields::organization, asked, issued, false,
        warnings);
    field(WarningCode.CSR_VS_CERTIFICATE_OU_FIELD_MISMATCH, SubjectFields::organizationalUnit, asked, issued,
        false, warnings);
    field(WarningCode.CSR_VS_CERTIFICATE_L_FIELD_MISMATCH, SubjectFields::locality, asked, issued, false,
        warnings);
    field(WarningCode.CSR_VS_CERTIFICATE_ST_FIELD_MISMATCH, SubjectFields::state, asked, issued, false,
        warnings);
    field(WarningCode.CSR_VS_CERTIFICATE_C_FIELD_MISMATCH, SubjectFields::country, asked, issued, true,
        warnings);
  }

  /** Both lists are already in lower case: DNS names compare without case. */
  private static void names(List<String> asked, List<String> issued, List<Warning> warnings) {
    Set<String> issuedSet = new HashSet<>(issued);
    Set<String> askedSet = new HashSet<>(asked);
    for (String name : asked) {
      if (!issuedSet.contains(name)) {
        warnings.add(new Warning(WarningCode.CSR_VS_CERTIFICATE_SAN_MISSING,
            "the CSR asks for '" + name + "', the certificate does not name it"));
      }
    }
    for (String name : issued) {
      if (!askedSet.contains(name)) {
        warnings.add(new Warning(WarningCode.CSR_VS_CERTIFICATE_SAN_ADDED,
            "the certificate names '" + name + "', the CSR did not ask for it"));
      }
    }
  }

  /** CN (a DNS name) and C (a country code) compare without case; free text compares exactly. */
  private static void field(
      WarningCode code,
      Function<SubjectFields, @Nullable String> field,
      SubjectFields asked,
      SubjectFields issued,
      boolean ignoreCase,
      List<Warning> warnings) {
    String a = field.apply(asked);
    String b = field.apply(issued);
    boolean same = a == null || b == null ? a == b : ignoreCase ? a.equalsIgnoreCase(b) : a.equals(b);
    if (!same) {
      warnings.add(new Warning(code, "CSR has " + quote(a) + ", certificate has " + quote(b)));
    }
  }

  private static String quote(@Nullable String value) {
    return value == null ? "none" : "'" + value + "'";
  }
}
