package dev.cps.spi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The checks behind {@link EnrollmentRequest}: every refusal names the field path and value. */
final class RequestValidation {
  static final int MAX_NAMES = 100;
  static final int MAX_COMMON_NAME = 64;
  static final int MAX_DNS_NAME = 253;
  static final int MAX_LABEL = 63;

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final Pattern NUMERIC = Pattern.compile("[0-9]+");
  private static final Pattern PHONE = Pattern.compile("\\+?[0-9 ().-]{5,30}");
  private static final Pattern EMAIL_LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}");
  private static final Pattern CA_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

  private final List<Violation> violations = new ArrayList<>();

  private RequestValidation() {}

  static List<Violation> check(
      @Nullable String commonName,
      List<String> sans,
      @Nullable ValidationType validationType,
      @Nullable KeyType keyType,
      @Nullable Organization organization,
      @Nullable Contact adminContact,
      @Nullable Contact techContact,
      @Nullable String certificateAuthority,
      NetworkSettings networkSettings) {
    RequestValidation v = new RequestValidation();
    v.names(commonName, sans);
    if (validationType == null) {
      v.refuse("validationType", null, "is required");
    }
    if (keyType == null) {
      v.refuse("keyType", null, "is required");
    }
    boolean strict = validationType != null && validationType.requiresOrganization();
    v.organization(organization, strict, validationType);
    v.contact("adminContact", adminContact, strict, validationType);
    v.contact("techContact", techContact, strict, validationType);
    if (certificateAuthority != null && !CA_ID.matcher(certificateAuthority).matches()) {
      v.refuse("certificateAuthority", certificateAuthority, "must be 1 to 64 letters, digits or ._:-");
    }
    v.network(networkSettings);
    return v.violations;
  }

  private void names(@Nullable String commonName, List<String> sans) {
    if (commonName == null) {
      refuse("commonName", null, "is required");
    } else if (commonName.length() > MAX_COMMON_NAME) {
      refuse("commonName", commonName, "is longer than " + MAX_COMMON_NAME + " characters");
    } else {
      dnsName("commonName", commonName);
    }
    if (sans.size() + 1 > MAX_NAMES) {
      refuse("subjectAlternativeNames", sans.size() + " names", "a certificate holds at most " + MAX_NAMES + " names");
    }
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < sans.size(); i++) {
      String field = "subjectAlternativeNames[" + i + "]";
      String san = sans.get(i);
      if (san == null) {
        refuse(field, null, "must not be null");
        continue;
      }
      if (!dnsName(field, san)) {
        continue;
      }
      String previous = seen.putIfAbsent(san.toLowerCase(Locale.ROOT), san);
      if (previous != null) {
        refuse(field, san, "duplicates '" + previous + "' (names are compared without case)");
      } else if (commonName != null && !san.equals(commonName) && san.equalsIgnoreCase(commonName)) {
        refuse(field, san, "duplicates the commonName '" + commonName + "' with other case");
      }
    }
  }

  /**
   * Checks one DNS name (RFC 1035 LDH labels, none in the reserved {@code ab--} form but A-labels, a
   * wildcard only as the whole leftmost label).
   */
  private boolean dnsName(String field, String name) {
    if (name.isEmpty()) {
      return refuse(field, name, "must not be empty");
    }
    if (!isPrintableAscii(name)) {
      return refuse(field, name, "has illegal characters: use ASCII letters, digits, '-' and '.' (A-labels for IDNs)");
    }
    if (name.length() > MAX_DNS_NAME) {
      return refuse(field, name, "is longer than " + MAX_DNS_NAME + " characters");
    }
    String[] labels = name.toLowerCase(Locale.ROOT).split("\\.", -1);
    if (labels.length < 2) {
      return refuse(field, name, "must be a fully qualified domain name with at least two labels");
    }
    for (int i = 0; i < labels.length; i++) {
      String label = labels[i];
      if (label.equals("*")) {
        if (i != 0) {
          return refuse(field, name, "may hold a wildcard only as its whole leftmost label");
        }
        continue;
      }
      if (label.contains("*")) {
        return refuse(field, name, "may hold a wildcard only as its whole leftmost label");
      }
      if (label.isEmpty()) {
        return refuse(field, name, "has an empty label");
      }
      if (label.length() > MAX_LABEL) {
        return refuse(field, name, "has a label longer than " + MAX_LABEL + " characters");
      }
      if (!LABEL.matcher(label).matches()) {
        return refuse(field, name, "has illegal characters in label '" + label + "': use letters, digits and inner '-'");
      }
      if (isReserved(label)) {
        return refuse(field, name, "has the reserved label '" + label + "': '--' in a label's third and fourth places"
            + " is kept for IDN A-labels ('xn--'), and publicly trusted CAs issue for no other such label");
      }
    }
    if (NUMERIC.matcher(labels[labels.length - 1]).matches()) {
      return refuse(field, name, "has a numeric top-level label: IP addresses are not supported");
    }
    if (labels.length == 2 && labels[0].equals("*")) {
      return refuse(field, name, "wildcards a whole top-level domain");
    }
    return true;
  }

  /**
   * A label in the reserved LDH form (RFC 5890): hyphens in the third and fourth places, which only
   * IDN A-labels ({@code xn--}) may have. The CA/Browser Forum's Baseline Requirements allow such
   * a label in a certificate only as an A-label; CAs refuse the others when the order is placed.
   */
  private static boolean isReserved(String label) {
    return label.length() >= 4 && label.charAt(2) == '-' && label.charAt(3) == '-' && !label.startsWith("xn--");
  }

  private void organization(@Nullable Organization org, boolean required, @Nullable ValidationType type) {
    if (org == null) {
      if (required) {
        refuse("organization", null, "is required for " + type + " certificates");
      }
      return;
    }
    text("organization.name", org.name(), 64, true);
    text("organization.unit", org.unit(), 64, false);
    text("organization.street", org.street(), 128, true);
    text("organization.city", org.city(), 128, true);
    text("organization.region", org.region(), 128, true);
    text("organization.postalCode", org.postalCode(), 40, true);
    if (!COUNTRIES.contains(org.country())) {
      refuse("organization.country", org.country(), "must be an ISO 3166-1 alpha-2 code in capitals, such as DE or US");
    }
    phone("organization.phone", org.phone());
  }

  private void contact(String field, @Nullable Contact contact, boolean required, @Nullable ValidationType type) {
    if (contact == null) {
      if (required) {
        refuse(field, null, "is required for " + type + " certificates");
      }
      return;
    }
    text(field + ".firstName", contact.firstName(), 64, true);
    text(field + ".lastName", contact.lastName(), 64, true);
    email(field + ".email", contact.email());
    phone(field + ".phone", contact.phone());
  }

  private void network(NetworkSettings settings) {
    Set<String> disallowed = settings.disallowedTlsVersions();
    for (String version : disallowed) {
      if (!NetworkSettings.TLS_VERSIONS.contains(version)) {
        refuse("networkSettings.disallowedTlsVersions", version, "must be one of " + NetworkSettings.TLS_VERSIONS);
      }
    }
    if (disallowed.containsAll(NetworkSettings.TLS_VERSIONS)) {
      refuse("networkSettings.disallowedTlsVersions", String.valueOf(disallowed), "leaves no TLS version to serve");
    }
    List<String> ciphers = settings.cipherSuites();
    for (int i = 0; i < ciphers.size(); i++) {
      String cipher = ciphers.get(i);
      if (cipher.isBlank() || !isPrintableAscii(cipher) || cipher.contains(" ")) {
        refuse("networkSettings.cipherSuites[" + i + "]", cipher, "must be a cipher suite name without spaces");
      }
    }
  }

  private void text(String field, @Nullable String value, int max, boolean required) {
    if (value == null) {
      if (required) {
        refuse(field, null, "is required");
      }
    } else if (value.isBlank()) {
      refuse(field, value, "must not be blank");
    } else if (value.length() > max) {
      refuse(field, value, "is longer than " + max + " characters");
    } else if (value.chars().anyMatch(Character::isISOControl)) {
      refuse(field, value, "has control characters");
    } else if (hasUnpairedSurrogate(value)) {
      refuse(field, value, "is not valid Unicode (a lone surrogate)");
    }
  }

  /** Whether the text has half of a surrogate pair alone, which no UTF-8 encoder takes. */
  private static boolean hasUnpairedSurrogate(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private void phone(String field, String phone) {
    long digits = phone.chars().filter(Character::isDigit).count();
    if (!PHONE.matcher(phone).matches() || digits < 5) {
      refuse(field, phone, "must be a phone number: digits, spaces, +()-. and at least 5 digits");
    }
  }

  private void email(String field, String email) {
    int at = email.lastIndexOf('@');
    boolean ok = at > 0
        && email.length() <= 254
        && EMAIL_LOCAL.matcher(email.substring(0, at)).matches()
        && !email.startsWith(".")
        && !email.contains("..")
        && isDomain(email.substring(at + 1));
    if (!ok) {
      refuse(field, email, "must be an e-mail address such as name@example.com");
    }
  }

  private static boolean isDomain(String domain) {
    String[] labels = domain.toLowerCase(Locale.ROOT).split("\\.", -1);
    if (labels.length < 2 || domain.length() > MAX_DNS_NAME) {
      return false;
    }
    for (String label : labels) {
      if (label.length() > MAX_LABEL || !LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrintableAscii(String s) {
    return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  private boolean refuse(String field, @Nullable String value, String problem) {
    violations.add(new Violation(field, value, problem));
    return false;
  }
}
