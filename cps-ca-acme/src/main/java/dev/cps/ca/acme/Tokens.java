package dev.cps.ca.acme;

import java.util.regex.Pattern;

/** ACME tokens are base64url (RFC 8555 8.3); anything else could escape a directory or a path. */
final class Tokens {
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{1,256}");

  private Tokens() {}

  static String requireToken(String token) {
    if (token == null || !BASE64URL.matcher(token).matches()) {
      throw new IllegalArgumentException("an ACME token is base64url, was '" + token + "'");
    }
    return token;
  }

  static boolean isToken(String token) {
    return BASE64URL.matcher(token).matches();
  }
}
