package dev.cps.testkit;

import dev.cps.spi.Contact;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.Organization;
import dev.cps.spi.ValidationType;
import java.util.List;

/** Enrollment requests for the fake CA's tests. */
final class Requests {
  private Requests() {}

  /** An OV or EV request for www.example.com and api.example.com with O and OU. */
  static EnrollmentRequest organization(ValidationType type) {
    Contact contact = new Contact("Ada", "Admin", "ada@example.com", "+49 30 111111");
    return EnrollmentRequest.builder()
        .commonName("www.example.com")
        .subjectAlternativeNames(List.of("api.example.com"))
        .validationType(type)
        .organization(new Organization("Example Widgets GmbH", "Platform", "Hauptstrasse 1", "Berlin", "Berlin",
            "10115", "DE", "+49 30 1234567"))
        .adminContact(contact)
        .techContact(contact)
        .build();
  }
}
