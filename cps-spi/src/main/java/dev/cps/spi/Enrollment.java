package dev.cps.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A certificate's whole life: the request as it stands now, its changes (at most one open), what
 * is live on staging and production, and the certificates production served before.
 *
 * <p>The unit of storage and of optimistic concurrency: every write names the version it read.
 *
 * @param changes oldest first; the last one may be open
 * @param history production certificates that were replaced, oldest first
 * @param renewalAt when the next renewal starts; {@code null} while a change is open
 * @param renewalCheckAt when to ask the CA again for its renewal window (ARI), which may move the
 *     renewal; {@code null} if the CA gave no such time
 * @param nextActionAt the earliest instant the engine has work for this enrollment: the open
 *     change's next step, the renewal, or the expiry warning. The store indexes it.
 */
public record Enrollment(
    EnrollmentId id,
    long version,
    EnrollmentRequest request,
    Instant createdAt,
    List<Change> changes,
    @Nullable DeployedCertificate staging,
    @Nullable DeployedCertificate production,
    List<DeployedCertificate> history,
    @Nullable Instant renewalAt,
    @Nullable Instant renewalCheckAt,
    @Nullable Instant expiryWarningAt,
    @Nullable Instant nextActionAt) {

  public Enrollment {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(createdAt, "createdAt");
    changes = List.copyOf(changes);
    history = List.copyOf(history);
  }

  /** The change that is still under way, if any. */
  public Optional<Change> openChange() {
    if (changes.isEmpty()) {
      return Optional.empty();
    }
    Change last = changes.get(changes.size() - 1);
    return last.isOpen() ? Optional.of(last) : Optional.empty();
  }

  /** The change with that id, open or closed. */
  public Optional<Change> change(ChangeId changeId) {
    for (int i = changes.size() - 1; i >= 0; i--) {
      if (changes.get(i).id().equals(changeId)) {
        return Optional.of(changes.get(i));
      }
    }
    return Optional.empty();
  }

  /** The newest change, open or closed. */
  public Optional<Change> latestChange() {
    return changes.isEmpty() ? Optional.empty() : Optional.of(changes.get(changes.size() - 1));
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** This enrollment with another next action instant; nothing else is copied. */
  public Enrollment withNextActionAt(@Nullable Instant next) {
    return new Enrollment(id, version, request, createdAt, changes, staging, production, history, renewalAt,
        renewalCheckAt, expiryWarningAt, next);
  }

  /** Copies an enrollment with some components replaced. */
  public static final class Builder {
    private final EnrollmentId id;
    private long version;
    private EnrollmentRequest request;
    private final Instant createdAt;
    private final List<Change> changes;
    private @Nullable DeployedCertificate staging;
    private @Nullable DeployedCertificate production;
    private final List<DeployedCertificate> history;
    private @Nullable Instant renewalAt;
    private @Nullable Instant renewalCheckAt;
    private @Nullable Instant expiryWarningAt;
    private @Nullable Instant nextActionAt;

    private Builder(Enrollment e) {
      id = e.id;
      version = e.version;
      request = e.request;
      createdAt = e.createdAt;
      changes = new ArrayList<>(e.changes);
      staging = e.staging;
      production = e.production;
      history = new ArrayList<>(e.history);
      renewalAt = e.renewalAt;
      renewalCheckAt = e.renewalCheckAt;
      expiryWarningAt = e.expiryWarningAt;
      nextActionAt = e.nextActionAt;
    }

    public Builder version(long version) {
      this.version = version;
      return this;
    }

    public Builder request(EnrollmentRequest request) {
      this.request = request;
      return this;
    }

    /** Replaces the change with the same id, or appends it as the newest change. */
    public Builder putChange(Change change) {
      for (int i = changes.size() - 1; i >= 0; i--) {
        if (changes.get(i).id().equals(change.id())) {
          changes.set(i, change);
          return this;
        }
      }
      changes.add(change);
      return this;
    }

    /** Keeps only the newest {@code max} changes (an open change is always the newest). */
    public Builder trimChanges(int max) {
      while (changes.size() > max) {
        changes.remove(0);
      }
      return this;
    }

    public Builder staging(@Nullable DeployedCertificate staging) {
      this.staging = staging;
      return this;
    }

    public Builder production(@Nullable DeployedCertificate production) {
      this.production = production;
      return this;
    }

    public Builder addHistory(DeployedCertificate replaced) {
      history.add(replaced);
      return this;
    }

    /** Keeps only the newest {@code max} replaced certificates. */
    public Builder trimHistory(int max) {
      while (history.size() > max) {
        history.remove(0);
      }
      return this;
    }

    public Builder renewalAt(@Nullable Instant renewalAt) {
      this.renewalAt = renewalAt;
      return this;
    }

    public Builder renewalCheckAt(@Nullable Instant renewalCheckAt) {
      this.renewalCheckAt = renewalCheckAt;
      return this;
    }

    public Builder expiryWarningAt(@Nullable Instant expiryWarningAt) {
      this.expiryWarningAt = expiryWarningAt;
      return this;
    }

    public Builder nextActionAt(@Nullable Instant nextActionAt) {
      this.nextActionAt = nextActionAt;
      return this;
    }

    public Enrollment build() {
      return new Enrollment(id, version, request, createdAt, changes, staging, production, history, renewalAt,
          renewalCheckAt, expiryWarningAt, nextActionAt);
    }
  }
}
