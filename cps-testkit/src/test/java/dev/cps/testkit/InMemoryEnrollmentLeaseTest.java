package dev.cps.testkit;

import dev.cps.spi.EnrollmentStore;
import dev.cps.testkit.contract.EnrollmentLeaseContract;

class InMemoryEnrollmentLeaseTest extends EnrollmentLeaseContract {
  @Override
  protected EnrollmentStore newStore() {
    return new InMemoryEnrollmentStore();
  }
}
