package dev.cps.testkit;

import dev.cps.spi.EnrollmentStore;
import dev.cps.testkit.contract.EnrollmentStoreContract;

/** The in-memory store that keeps enrollments as their JSON documents read back, held to the same contract. */
class InMemoryDocumentStoreTest extends EnrollmentStoreContract {
  @Override
  protected EnrollmentStore newStore() {
    return InMemoryEnrollmentStore.storingDocuments();
  }
}
