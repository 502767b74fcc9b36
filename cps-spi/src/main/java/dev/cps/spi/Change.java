package dev.cps.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One pass of an enrollment from key generation to production: a first issuance, a renewal or an
 * update. Immutable; the engine stores a new version for every step.
 *
 * @param version increases with every stored step; a person's input names the version it answers
 * @param request the enrollment as it was when the change was opened (what the CSR was built from)
 * @param authority the {@link CertificateAuthority#id()} the order goes to
 * @param nextActionAt when the engine should look at the change again; {@code null} while it waits
 *     for a person or once it is over
 * @param presentedChallenges challenges handed to solvers or placed by a person, to clean up
 * @param warnings the post-verification warnings found on retrieval
 * @param stagingAcknowledgement who acknowledged the staging test, and when
 * @param probes what the last probes of the networks found (see {@link DeploymentProbe}): shown to
 *     whoever acknowledges the staging test
 * @param attempts consecutive transient failures of the current step
 * @param lastError the last failure, transient or not, as the CA or network reported it
 */
public record Change(
    ChangeId id,
    long version,
    ChangeReason reason,
    EnrollmentRequest request,
    String authority,
    ChangeState state,
    Instant createdAt,
    @Nullable Instant nextActionAt,
    @Nullable KeyId key,
    @Nullable CertificateSigningRequest csr,
    @Nullable OrderRef order,
    List<Challenge> presentedChallenges,
    @Nullable CertificateChain certificate,
    List<Warning> warnings,
    @Nullable Instant deploymentNotBefore,
    @Nullable TimelineEntry stagingAcknowledgement,
    List<ProbeResult> probes,
    int attempts,
    @Nullable String lastError,
    List<TimelineEntry> timeline) {

  public Change {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    presentedChallenges = List.copyOf(presentedChallenges);
    warnings = List.copyOf(warnings);
    probes = List.copyOf(probes);
    timeline = List.copyOf(timeline);
  }

  /**
   * A new change in {@link ChangeState.KeyPending}, due at once. It takes the request's deployment
   * date only if the date is still ahead: a date that has passed was set for an earlier deployment,
   * and must not hold a renewal back (nor switch off the seven-day rule for it).
   */
  public static Change open(
      ChangeId id, ChangeReason reason, EnrollmentRequest request, String authority, Instant now, String who) {
    Instant notBefore = request.deploymentNotBefore();
    Instant date = notBefore != null && notBefore.isAfter(now) ? notBefore : null;
    return new Change(id, 1, reason, request, authority, new ChangeState.KeyPending(), now, now, null, null, null,
        List.of(), null, List.of(), date, null, List.of(), 0, null,
        List.of(new TimelineEntry(now, "opened (" + reason + ")", who)));
  }

  public boolean isOpen() {
    return !state.terminal();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** This change with one more timeline entry; nothing else is copied. */
  public Change withTimelineEntry(TimelineEntry entry) {
    List<TimelineEntry> longer = new ArrayList<>(timeline.size() + 1);
    longer.addAll(timeline);
    longer.add(entry);
    return new Change(id, version, reason, request, authority, state, createdAt, nextActionAt, key, csr, order,
        presentedChallenges, certificate, warnings, deploymentNotBefore, stagingAcknowledgement, probes, attempts,
        lastError, longer);
  }

  /** Copies a change with some components replaced; {@link #build()} bumps nothing by itself. */
  public static final class Builder {
    private final ChangeId id;
    private long version;
    private final ChangeReason reason;
    private final EnrollmentRequest request;
    private final String authority;
    private ChangeState state;
    private final Instant createdAt;
    private @Nullable Instant nextActionAt;
    private @Nullable KeyId key;
    private @Nullable CertificateSigningRequest csr;
    private @Nullable OrderRef order;
    private List<Challenge> presentedChallenges;
    private @Nullable CertificateChain certificate;
    private List<Warning> warnings;
    private @Nullable Instant deploymentNotBefore;
    private @Nullable TimelineEntry stagingAcknowledgement;
    private List<ProbeResult> probes;
    private int attempts;
    private @Nullable String lastError;
    private final List<TimelineEntry> timeline;

    private Builder(Change c) {
      id = c.id;
      version = c.version;
      reason = c.reason;
      request = c.request;
      authority = c.authority;
      state = c.state;
      createdAt = c.createdAt;
      nextActionAt = c.nextActionAt;
      key = c.key;
      csr = c.csr;
      order = c.order;
      presentedChallenges = c.presentedChallenges;
      certificate = c.certificate;
      warnings = c.warnings;
      deploymentNotBefore = c.deploymentNotBefore;
      stagingAcknowledgement = c.stagingAcknowledgement;
      probes = c.probes;
      attempts = c.attempts;
      lastError = c.lastError;
      timeline = new ArrayList<>(c.timeline);
    }

    public Builder version(long version) {
      this.version = version;
      return this;
    }

    public Builder state(ChangeState state) {
      this.state = state;
      return this;
    }

    public Builder nextActionAt(@Nullable Instant nextActionAt) {
      this.nextActionAt = nextActionAt;
      return this;
    }

    public Builder key(@Nullable KeyId key) {
      this.key = key;
      return this;
    }

    public Builder csr(@Nullable CertificateSigningRequest csr) {
      this.csr = csr;
      return this;
    }

    public Builder order(@Nullable OrderRef order) {
      this.order = order;
      return this;
    }

    public Builder presentedChallenges(List<Challenge> presentedChallenges) {
      this.presentedChallenges = presentedChallenges;
      return this;
    }

    public Builder certificate(@Nullable CertificateChain certificate) {
      this.certificate = certificate;
      return this;
    }

    public Builder warnings(List<Warning> warnings) {
      this.warnings = warnings;
      return this;
    }

    public Builder deploymentNotBefore(@Nullable Instant deploymentNotBefore) {
      this.deploymentNotBefore = deploymentNotBefore;
      return this;
    }

    public Builder stagingAcknowledgement(@Nullable TimelineEntry stagingAcknowledgement) {
      this.stagingAcknowledgement = stagingAcknowledgement;
      return this;
    }

    public Builder probes(List<ProbeResult> probes) {
      this.probes = probes;
      return this;
    }

    public Builder attempts(int attempts) {
      this.attempts = attempts;
      return this;
    }

    public Builder lastError(@Nullable String lastError) {
      this.lastError = lastError;
      return this;
    }

    public Builder record(TimelineEntry entry) {
      timeline.add(entry);
      return this;
    }

    public Change build() {
      return new Change(id, version, reason, request, authority, state, createdAt, nextActionAt, key, csr, order,
          presentedChallenges, certificate, warnings, deploymentNotBefore, stagingAcknowledgement, probes,
          attempts, lastError, timeline);
    }
  }
}
