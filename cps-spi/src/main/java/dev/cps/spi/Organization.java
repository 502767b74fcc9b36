package dev.cps.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The organization a certificate is issued to. Required for OV and EV; checked as part of the
 * {@link EnrollmentRequest} so that a refusal names the full field path.
 *
 * @param unit the organizational unit (OU), which the CA may drop: a difference is a warning
 * @param country ISO 3166-1 alpha-2 code, such as {@code DE}
 */
public record Organization(
    String name,
    @Nullable String unit,
    String street,
    String city,
    String region,
    String postalCode,
    String country,
    String phone) {
  public Organization {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(street, "street");
    Objects.requireNonNull(city, "city");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(postalCode, "postalCode");
    Objects.requireNonNull(country, "country");
    Objects.requireNonNull(phone, "phone");
  }
}
