package dev.cps.spi;

import java.util.Objects;

/**
 * A person the CA or the provider may reach about an enrollment: the admin contact at the
 * customer, or the tech contact at the provider. Checked as part of the {@link EnrollmentRequest}.
 */
public record Contact(String firstName, String lastName, String email, String phone) {
  public Contact {
    Objects.requireNonNull(firstName, "firstName");
    Objects.requireNonNull(lastName, "lastName");
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(phone, "phone");
  }
}
