package dev.cps.tests;

import dev.cps.spi.Contact;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.Organization;
import dev.cps.spi.ValidationType;
import java.util.List;

/** Requests the tests enroll, valid unless a test says otherwise. */
final class Requests {
  static final Organization ORGANIZATION =
      new Organization("Example Media GmbH", "Web Platform", "Hauptstrasse 1", "Berlin", "Berlin", "10115", "DE",
          "+49 30 1234567");
  static final Contact ADMIN = new Contact("Ada", "Admin", "ada@example.com", "+49 30 1234568");
  static final Contact TECH = new Contact("Tom", "Tech", "tom@provider.example.net", "+1 617 555 0100");

  private Requests() {}

  static EnrollmentRequest.Builder dv(String commonName, String... sans) {
    return EnrollmentRequest.builder()
        .commonName(commonName)
        .subjectAlternativeNames(List.of(sans))
        .validationType(ValidationType.DV);
  }

  static EnrollmentRequest.Builder ov(String commonName, String... sans) {
    return organizational(ValidationType.OV, commonName, sans);
  }

  static EnrollmentRequest.Builder ev(String commonName, String... sans) {
    return organizational(ValidationType.EV, commonName, sans);
  }

  private static EnrollmentRequest.Builder organizational(ValidationType type, String commonName, String... sans) {
    return dv(commonName, sans)
        .validationType(type)
        .organization(ORGANIZATION)
        .adminContact(ADMIN)
        .techContact(TECH);
  }
}
