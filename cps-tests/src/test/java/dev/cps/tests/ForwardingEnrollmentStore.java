package dev.cps.tests;

import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentStore;
import dev.cps.testkit.InMemoryEnrollmentStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An in-memory store behind a test's own store: a test overrides only what it changes. */
abstract class ForwardingEnrollmentStore implements EnrollmentStore {
  final InMemoryEnrollmentStore stored = new InMemoryEnrollmentStore();

  @Override
  public void insert(Enrollment enrollment) {
    stored.insert(enrollment);
  }

  @Override
  public void update(Enrollment enrollment, long expectedVersion) {
    stored.update(enrollment, expectedVersion);
  }

  @Override
  public Optional<Enrollment> find(EnrollmentId id) {
    return stored.find(id);
  }

  @Override
  public List<Enrollment> list() {
    return stored.list();
  }

  @Override
  public List<EnrollmentId> due(Instant now, int limit) {
    return stored.due(now, limit);
  }

  @Override
  public Optional<Instant> nextDue() {
    return stored.nextDue();
  }

  @Override
  public List<EnrollmentId> claim(Instant now, int limit, String owner, Duration lease) {
    return stored.claim(now, limit, owner, lease);
  }

  @Override
  public boolean lease(EnrollmentId id, String owner, Instant now, Duration lease) {
    return stored.lease(id, owner, now, lease);
  }

  @Override
  public void release(EnrollmentId id, String owner) {
    stored.release(id, owner);
  }

  @Override
  public Set<EnrollmentId> renew(Collection<EnrollmentId> ids, String owner, Instant now, Duration lease) {
    return stored.renew(ids, owner, now, lease);
  }
}
