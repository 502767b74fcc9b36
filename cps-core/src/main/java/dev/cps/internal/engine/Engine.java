package dev.cps.internal.engine;

import dev.cps.internal.crypto.CertificateVerifier;
import dev.cps.internal.crypto.Crypto;
import dev.cps.internal.crypto.CsrFactory;
import dev.cps.internal.crypto.Verification;
import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.CertificateSigningRequest;
import dev.cps.spi.Challenge;
import dev.cps.spi.ChallengeSolver;
import dev.cps.spi.ChallengeType;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeId;
import dev.cps.spi.ChangeReason;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.DeploymentProbe;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.EnrollmentRequest;
import dev.cps.spi.KeyId;
import dev.cps.spi.NetworkRole;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.ProbeResult;
import dev.cps.spi.ProvisioningEvent;
import dev.cps.spi.RenewalWindow;
import dev.cps.spi.TimelineEntry;
import dev.cps.spi.ValidationType;
import dev.cps.spi.VersionConflictException;
import dev.cps.spi.Warning;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic steps of a change (DESIGN steps 2 to 11). Each step does at most one kind of side
 * effect, idempotently, and stores its result before the next one starts; a restarted engine
 * picks up from the stored state.
 */
final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final String ENGINE = TimelineEntry.ENGINE;
  private static final int MAX_STEPS_PER_PASS = 64;
  private static final Duration LONGEST_POLL = Duration.ofHours(1);
  private static final Duration RETRY_AFTER_CLOSED = Duration.ofDays(1);
  /** RFC 9773 asks clients not to poll renewal information more often than this. */
  private static final Duration EARLIEST_WINDOW_CHECK = Duration.ofHours(1);
  /** When a CA whose renewal window could not be read is asked again. */
  private static final Duration WINDOW_ASKED_AGAIN = Duration.ofHours(6);
  static final String PROBE = "staging probe";
  /** Marks the timeline entry of each lost order; they are counted. */
  private static final String ORDER_LOST = "order lost: ";
  private static final List<ChallengeType> MANUAL_PREFERENCE =
      List.of(ChallengeType.HTTP_01, ChallengeType.DNS_01, ChallengeType.TLS_ALPN_01);

  private final EngineSettings settings;
  private final ChangeWriter writer;
  private final CsrFactory csrs;
  private final CertificateVerifier verifier;
  private final SplittableRandom jitter;
  private final EnrollmentLocks locks;

  Engine(EngineSettings settings, ChangeWriter writer, EnrollmentLocks locks) {
    this.settings = settings;
    this.writer = writer;
    this.locks = locks;
    Crypto crypto = Crypto.of(settings.cryptoProvider());
    this.csrs = new CsrFactory(crypto);
    this.verifier = new CertificateVerifier(crypto, settings.minimumLifetime());
    this.jitter = new SplittableRandom(settings.jitterSeed());
  }

  /**
   * Runs every step due at {@code passStart} of each enrollment, side by side: a step of each, then
   * one wait for all their writes ({@link Wave}), round after round until each stops at a person or
   * a wait. With {@code followClock}, also every step that became due since the pass started, so
   * that on a real clock an enrollment goes on as far as it can without waiting for the next pass.
   * The enrollments' locks are held, in id order, from their steps until their writes are durable,
   * so that an input never lands between a step's side effect and the write that records it.
   *
   * @param leaseHeld whether an enrollment may still be stepped under this provisioner's lease when
   *     its turn comes: one whose lease is half over or lost is not
   * @return for each enrollment: {@link Wave.Outcome.Stepped} if it is still due (it used up its
   *     steps for this pass), {@link Wave.Outcome.Failed} if something outside the engine's own
   *     error handling stopped it, {@link Wave.Outcome.LeaseAged} if its lease aged or was lost
   *     first, {@link Wave.Outcome.Released} if its last write left nothing due and ended this
   *     node's lease on it (only without {@code followClock}), and {@code null} once it has nothing
   *     due (its lease still held)
   */
  Map<EnrollmentId, Wave.@Nullable Outcome> processAll(List<EnrollmentId> ids, Instant passStart,
      boolean followClock, Predicate<EnrollmentId> leaseHeld) {
    Map<EnrollmentId, Wave.@Nullable Outcome> outcomes = new LinkedHashMap<>();
    List<EnrollmentId> active = ids.stream().distinct().sorted(Comparator.comparing(EnrollmentId::value)).toList();
    for (int step = 0; step < MAX_STEPS_PER_PASS && !active.isEmpty(); step++) {
      List<EnrollmentId> stepping = active;
      Map<EnrollmentId, Wave.Outcome> round = locks.withAll(stepping,
          () -> stepEach(stepping, passStart, followClock, leaseHeld));
      List<EnrollmentId> stepped = new ArrayList<>();
      for (EnrollmentId id : stepping) {
        Wave.Outcome outcome = round.get(id);
        if (outcome instanceof Wave.Outcome.LeaseAged && outcomes.get(id) != null) {
          continue; // stepped earlier in this pass: still due, for the next pass
        }
        outcomes.put(id, outcome);
        if (outcome instanceof Wave.Outcome.Stepped) {
          stepped.add(id);
        }
      }
      active = stepped;
    }
    if (!active.isEmpty()) {
      log.warn("Enrollments {} took {} steps in one pass; leaving the rest for the next pass", active,
          MAX_STEPS_PER_PASS);
    }
    return outcomes;
  }

  /** One step of each enrollment that is due; those not due have no outcome. */
  private Map<EnrollmentId, Wave.Outcome> stepEach(List<EnrollmentId> ids, Instant passStart, boolean followClock,
      Predicate<EnrollmentId> leaseHeld) {
    Instant dueBy = passStart;
    if (followClock) {
      Instant now = settings.clock().instant();
      dueBy = now.isAfter(passStart) ? now : passStart;
    }
    // A write that leaves nothing due ends the lease with it in a pass (runDue), which runs only
    // what was due at its start. Steps that follow the clock keep their leases to the wave's end:
    // what the clock makes due meanwhile is stepped again under the lease, and ending it early sent
    // such enrollments from provisioner to provisioner, each claim another chance for a lease to
    // run out under a slow wave (ClusterTest then counted double deployments).
    Wave wave = new Wave(followClock ? null : settings.nodeId(), dueBy);
    Map<EnrollmentId, Wave.Outcome> aged = new LinkedHashMap<>();
    for (EnrollmentId id : ids) {
      if (!leaseHeld.test(id)) {
        aged.put(id, new Wave.Outcome.LeaseAged());
        continue;
      }
      wave.begin(id);
      try {
        Enrollment enrollment = settings.store().find(id).orElse(null);
        if (enrollment == null || enrollment.nextActionAt() == null || enrollment.nextActionAt().isAfter(dueBy)) {
          wave.notDue();
          continue;
        }
        writer.inWave(wave, () -> step(enrollment));
      } catch (VersionConflictException raced) {
        log.debug("Enrollment {} changed while a step ran (another engine?); reading it again", id);
      } catch (RuntimeException failure) {
        wave.failed(failure);
      } catch (Error failure) {
        // Out of memory, or an Error from the store: this enrollment is quarantined, the wave goes on.
        wave.failed(new IllegalStateException("enrollment " + id + " could not be stepped: " + failure, failure));
      }
    }
    Map<EnrollmentId, Wave.Outcome> outcomes = wave.await();
    outcomes.putAll(aged);
    return outcomes;
  }

  private void step(Enrollment enrollment) {
    Instant now = settings.clock().instant();
    if (enrollment.expiryWarningAt() != null && !enrollment.expiryWarningAt().isAfter(now)) {
      warnExpiry(enrollment, now);
      return;
    }
    Change open = enrollment.openChange().orElse(null);
    if (open == null) {
      if (enrollment.renewalAt() != null && !enrollment.renewalAt().isAfter(now)) {
        openRenewal(enrollment, now);
      } else if (enrollment.renewalCheckAt() != null && !enrollment.renewalCheckAt().isAfter(now)) {
        recheckRenewal(enrollment, now);
      } else {
        writer.writeEnrollment(enrollment, b -> b, List.of());
      }
      return;
    }
    if (open.nextActionAt() == null || open.nextActionAt().isAfter(now)) {
      writer.writeEnrollment(enrollment, b -> b, List.of());
      return;
    }
    try {
      advance(enrollment, open, now);
    } catch (VersionConflictException raced) {
      throw raced;
    } catch (CaRejectedException rejected) {
      fail(enrollment, open, "the CA refused: " + rejected.getMessage());
    } catch (OrderLostException lost) {
      reorder(enrollment, open, now, lost);
    } catch (RuntimeException failure) {
      retry(enrollment, open, now, failure);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Error failure) {
      // A plug-in's Error (a class missing from the host's class path, a failed assertion) is
      // retried as any of its failures, rather than ending the worker that met it.
      retry(enrollment, open, now, failure);
    }
  }

  private void advance(Enrollment enrollment, Change change, Instant now) {
    ChangeState state = change.state();
    if (state instanceof ChangeState.KeyPending) {
      createKeyAndCsr(enrollment, change);
    } else if (state instanceof ChangeState.CsrReady) {
      submit(enrollment, change);
    } else if (state instanceof ChangeState.Validating) {
      poll(enrollment, change, now);
    } else if (state instanceof ChangeState.ChallengesInPlace placed) {
      authority(change).challengesReady(order(change), placed.challenges());
      writer.write(enrollment, change, succeeded(change).state(new ChangeState.Validating()).nextActionAt(now),
          "the CA was told " + placed.challenges().size() + " challenge(s) are in place", ENGINE);
    } else if (state instanceof ChangeState.ReadyForStaging) {
      deployToStaging(enrollment, change, now);
    } else if (state instanceof ChangeState.AwaitingStagingTest
        || state instanceof ChangeState.AwaitingDeploymentDate) {
      gate(enrollment, change, now, "");
    } else if (state instanceof ChangeState.ReadyForProduction) {
      deployToProduction(enrollment, change, now);
    } else {
      // Waiting for a person: nothing is due until they answer.
      writer.write(enrollment, change, change.toBuilder().nextActionAt(null), "", ENGINE);
    }
  }

  /** Step 2: the key is generated and stored first, then the CSR is built from it and stored. */
  private void createKeyAndCsr(Enrollment enrollment, Change change) {
    KeyId key = keyFor(enrollment, change);
    PublicKey publicKey = writer.generateKey(settings.keys(), key, change.request().keyType());
    CertificateSigningRequest csr =
        csrs.create(change.request(), publicKey, settings.keys().privateKey(key), change.request().keyType());
    writer.write(enrollment, change,
        succeeded(change).key(key).csr(csr).state(new ChangeState.CsrReady()).nextActionAt(settings.clock().instant()),
        "key " + key + " (" + change.request().keyType() + ") stored, CSR created", ENGINE);
  }

  private KeyId keyFor(Enrollment enrollment, Change change) {
    DeployedCertificate live = enrollment.production();
    // Only a key of the type asked now, size included: the request's key type may have changed
    // since the live certificate (an update whose change was cancelled).
    if (settings.reuseKeyOnRenewal() && change.reason() == ChangeReason.RENEWAL && live != null
        && settings.keys().publicKey(live.key()).isPresent()
        && CsrFactory.describe(live.chain().leaf().getPublicKey()).equals(change.request().keyType().toString())) {
      return live.key();
    }
    return new KeyId(change.id().value());
  }

  /** Step 3: the order reference is stored before the engine acts on the CA's answer. */
  private void submit(Enrollment enrollment, Change change) {
    KeyId key = required(change.key(), change, "key");
    Optional<PublicKey> stored = settings.keys().publicKey(key);
    if (stored.isEmpty()) {
      // The key's write failed while the change's went through (two stores, or two statements):
      // the key comes first, then a CSR from it.
      retry(enrollment, change, change.toBuilder().state(new ChangeState.KeyPending()).csr(null),
          settings.clock().instant(), new IllegalStateException("key " + key + " is not stored"));
      return;
    }
    if (!CsrFactory.isFor(required(change.csr(), change, "csr"), stored.get())) {
      // Another key was stored under this id first, by an attempt a crash cut short: the key
      // generated for the CSR lost, since the store keeps the first. Nothing has gone to the CA
      // yet, so the CSR is made again from the stored key, and sent once that is stored.
      CertificateSigningRequest csr =
          csrs.create(change.request(), stored.get(), settings.keys().privateKey(key), change.request().keyType());
      writer.write(enrollment, change, change.toBuilder().csr(csr).nextActionAt(settings.clock().instant()),
          "CSR made again from key " + key + " as stored (a key stored earlier under that id came first)", ENGINE);
      return;
    }
    OrderRef order = authority(change).submit(orderRequest(enrollment, change));
    writer.write(enrollment, change,
        succeeded(change).order(order).state(new ChangeState.Validating()).nextActionAt(settings.clock().instant()),
        "order " + order.value() + " placed with " + order.authority(), ENGINE);
  }

  /** What the change orders; the same for every call about one order. */
  private static OrderRequest orderRequest(Enrollment enrollment, Change change) {
    CertificateSigningRequest csr = required(change.csr(), change, "csr");
    CertificateChain replaces = change.reason() == ChangeReason.RENEWAL && enrollment.production() != null
        ? enrollment.production().chain() : null;
    return new OrderRequest(change.id().value(), csr, change.request(), replaces);
  }

  /** Steps 4 to 6: poll, publish challenges, retrieve and verify. */
  private void poll(Enrollment enrollment, Change change, Instant now) {
    CertificateAuthority authority = authority(change);
    OrderStatus status = authority.status(order(change), orderRequest(enrollment, change));
    if (status instanceof OrderStatus.Invalid invalid) {
      fail(enrollment, change, "the CA declared the order invalid: " + invalid.reason());
    } else if (status instanceof OrderStatus.Pending pending) {
      // A name one of whose alternatives was presented is answered, whatever the CA still lists.
      Set<String> answered = change.presentedChallenges().stream().map(Challenge::authorization)
          .collect(Collectors.toSet());
      List<Challenge> fresh = pending.challenges().stream()
          .filter(c -> !answered.contains(c.authorization()))
          .toList();
      if (fresh.isEmpty()) {
        writer.write(enrollment, change, succeeded(change).nextActionAt(nextPoll(change, pending, now)), "", ENGINE);
      } else {
        publish(enrollment, change, fresh);
      }
    } else {
      CertificateChain chain = authority.retrieve(order(change));
      cleanUp(change.presentedChallenges());
      verify(enrollment, change, chain);
    }
  }

  /**
   * Chooses one challenge per name (authorization) and hands it to a solver that takes its type;
   * a name no solver can answer waits for a person, who is shown the type easiest to place.
   */
  private void publish(Enrollment enrollment, Change change, List<Challenge> fresh) {
    Map<String, List<Challenge>> byName = fresh.stream()
        .collect(Collectors.groupingBy(Challenge::authorization, LinkedHashMap::new, Collectors.toList()));
    List<Challenge> chosen = new ArrayList<>();
    boolean manual = false;
    for (List<Challenge> offered : byName.values()) {
      Optional<Challenge> solvable = offered.stream().filter(c -> solverFor(c) != null).findFirst();
      if (solvable.isPresent()) {
        solverFor(solvable.get()).present(solvable.get());
        chosen.add(solvable.get());
      } else {
        chosen.add(preferredForPerson(offered));
        manual = true;
      }
    }
    List<Challenge> presented = Stream.concat(change.presentedChallenges().stream(), chosen.stream()).toList();
    Change.Builder next = succeeded(change).presentedChallenges(presented);
    if (manual) {
      writer.write(enrollment, change, next.state(new ChangeState.AwaitingChallenges(chosen)).nextActionAt(null),
          chosen.size() + " challenge(s) to place", ENGINE);
    } else {
      writer.write(enrollment, change,
          next.state(new ChangeState.ChallengesInPlace(chosen)).nextActionAt(settings.clock().instant()),
          chosen.size() + " challenge(s) published by solvers", ENGINE);
    }
  }

  private @Nullable ChallengeSolver solverFor(Challenge challenge) {
    for (ChallengeSolver solver : settings.solvers()) {
      if (solver.types().contains(challenge.type())) {
        return solver;
      }
    }
    return null;
  }

  private static Challenge preferredForPerson(List<Challenge> offered) {
    for (ChallengeType type : MANUAL_PREFERENCE) {
      for (Challenge challenge : offered) {
        if (challenge.type() == type) {
          return challenge;
        }
      }
    }
    return offered.get(0);
  }

  /** Polls often at first, then less often the longer validation takes; follows the CA's hint. */
  private Instant nextPoll(Change change, OrderStatus.Pending pending, Instant now) {
    // Waited for the CA since the change last moved (polls leave no line on the timeline): a
    // person who placed the challenges hours after the order must not make the CA wait for polls.
    Instant since = change.timeline().isEmpty() ? change.createdAt()
        : change.timeline().get(change.timeline().size() - 1).at();
    Duration waited = Duration.between(since, now);
    Duration interval = waited.dividedBy(10);
    if (interval.compareTo(settings.pollInterval()) < 0) {
      interval = settings.pollInterval();
    }
    if (pending.retryAfter() != null && pending.retryAfter().isAfter(now)) {
      interval = Duration.between(now, pending.retryAfter());
    }
    return now.plus(interval.compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : interval);
  }

  private void verify(Enrollment enrollment, Change change, CertificateChain chain) {
    KeyId key = required(change.key(), change, "key");
    PublicKey stored = settings.keys().publicKey(key)
        .orElseThrow(() -> new IllegalStateException("key " + key + " is missing from the key store"));
    Instant now = settings.clock().instant();
    Verification result = verifier.verify(
        chain, required(change.csr(), change, "csr"), stored, change.request(), enrollment.request(), now);
    if (result.fatal() != null) {
      Enrollment written = writer.write(enrollment, change,
          succeeded(change).certificate(chain).state(new ChangeState.Failed(result.fatal())).nextActionAt(null),
          "certificate " + chain.serialNumber() + " retrieved and refused", ENGINE,
          b -> reopenRenewal(b, enrollment, now), List.of());
      writer.afterWrite(() -> closed(written, change));
      return;
    }
    List<Warning> open = result.warnings().stream()
        .filter(w -> !settings.autoAccepted().contains(w.code())).toList();
    Set<String> autoAccepted = result.warnings().stream()
        .filter(w -> settings.autoAccepted().contains(w.code())).map(w -> w.code().name())
        .collect(Collectors.toCollection(TreeSet::new));
    String why = "certificate " + chain.serialNumber() + " retrieved and verified"
        + (result.warnings().isEmpty() ? "" : ", " + result.warnings().size() + " warning(s)")
        + (autoAccepted.isEmpty() ? "" : ", auto-accepted by policy: " + autoAccepted);
    Change.Builder next = succeeded(change).certificate(result.chain()).warnings(result.warnings());
    if (open.isEmpty()) {
      writer.write(enrollment, change, next.state(new ChangeState.ReadyForStaging()).nextActionAt(now), why, ENGINE);
    } else {
      writer.write(enrollment, change, next.state(new ChangeState.AwaitingWarningAcceptance(open)).nextActionAt(null),
          why, ENGINE);
    }
  }

  /** Step 7: staging first; then the production gate decides. */
  private void deployToStaging(Enrollment enrollment, Change change, Instant now) {
    DeploymentNetwork staging = settings.staging();
    if (staging == null) {
      gate(enrollment, change, now, "no staging network configured");
      return;
    }
    CertificateChain chain = required(change.certificate(), change, "certificate");
    staging.deploy(deployment(enrollment, change, chain));
    List<ProbeResult> probes = probe(settings.stagingProbe(), NetworkRole.STAGING, enrollment, change, chain);
    if (probes.stream().anyMatch(p -> !p.passed())) {
      probeFailed(enrollment, change, now, probes);
      return;
    }
    Change.Builder next = succeeded(change).probes(probes);
    String probed = probes.isEmpty() ? "" : ", " + probes.size() + " probe(s) passed";
    if (settings.autoAcknowledgeStaging() && !probes.isEmpty() && change.stagingAcknowledgement() == null) {
      next.stagingAcknowledgement(new TimelineEntry(now, "staging test acknowledged: every probe passed", PROBE));
      probed += " (staging test acknowledged by them)";
    }
    DeployedCertificate deployed = new DeployedCertificate(change.id(), required(change.key(), change, "key"), chain, now);
    ProductionGate.Decision decision = ProductionGate.decide(enrollment, next.build(), now);
    writer.write(enrollment, change, next.state(decision.state()).nextActionAt(decision.nextActionAt()),
        "deployed to staging" + probed + "; " + decision.why(), ENGINE,
        b -> b.staging(deployed),
        List.of(new ProvisioningEvent.Deployed(enrollment.id(), change.id(), NetworkRole.STAGING, chain, now)));
  }

  /** Steps 8 and 9: the acknowledgement, the deployment date and the seven-day rule. */
  private void gate(Enrollment enrollment, Change change, Instant now, String prefix) {
    ProductionGate.Decision decision = ProductionGate.decide(enrollment, change, now);
    boolean unchanged = decision.state().equals(change.state());
    String why = prefix.isEmpty() ? decision.why() : prefix + "; " + decision.why();
    writer.write(enrollment, change, succeeded(change).state(decision.state()).nextActionAt(decision.nextActionAt()),
        unchanged ? "" : why, ENGINE);
  }

  /** Step 10: production; the replaced certificate goes to the history, the renewal is scheduled. */
  private void deployToProduction(Enrollment enrollment, Change change, Instant now) {
    CertificateChain chain = required(change.certificate(), change, "certificate");
    // Verified when retrieved, but a deployment date may have held it back since: one that would
    // expire within the minimum lifetime is not served (a renewal is opened again, if one was live).
    if (!now.isBefore(chain.notAfter().minus(settings.minimumLifetime()))) {
      fail(enrollment, change, "certificate " + chain.serialNumber() + " expires " + chain.notAfter()
          + ", within the minimum lifetime " + settings.minimumLifetime() + ": not deployed to production");
      return;
    }
    settings.production().deploy(deployment(enrollment, change, chain));
    List<ProbeResult> probes = probe(settings.productionProbe(), NetworkRole.PRODUCTION, enrollment, change, chain);
    if (probes.stream().anyMatch(p -> !p.passed())) {
      probeFailed(enrollment, change, now, probes);
      return;
    }
    List<ProbeResult> shown = probes.isEmpty() ? change.probes()
        : Stream.concat(change.probes().stream().filter(p -> p.role() == NetworkRole.STAGING), probes.stream())
            .toList();
    DeployedCertificate deployed = new DeployedCertificate(change.id(), required(change.key(), change, "key"), chain, now);
    Renewal renewal = renewal(change.authority(), change.request().validationType(), chain, now);
    Instant warnAt = expiryWarningAt(chain);
    DeployedCertificate replaced = enrollment.production();
    Enrollment written = writer.write(enrollment, change,
        succeeded(change).probes(shown).state(new ChangeState.Completed()).nextActionAt(null),
        "deployed to production" + (probes.isEmpty() ? "" : ", " + probes.size() + " probe(s) passed")
            + "; renewal at " + renewal.at(), ENGINE,
        b -> {
          if (replaced != null) {
            b.addHistory(replaced);
          }
          return b.production(deployed).renewalAt(renewal.at()).renewalCheckAt(renewal.checkAt())
              .expiryWarningAt(warnAt);
        },
        List.of(new ProvisioningEvent.Deployed(enrollment.id(), change.id(), NetworkRole.PRODUCTION, chain, now)));
    writer.afterWrite(() -> forgetRetired(enrollment, written));
  }

  /**
   * When to renew, and when to ask the CA again.
   *
   * @param checkAt {@code null} unless the CA asked to be asked again before the renewal
   */
  private record Renewal(Instant at, @Nullable Instant checkAt) {}

  /**
   * The policy's renewal instant, inside the CA's window when the CA suggests one now; and the CA's
   * time to look at its window again, if that comes first (never sooner than an hour from now).
   */
  private Renewal renewal(String authority, ValidationType type, CertificateChain chain, Instant now) {
    Optional<RenewalWindow> window;
    @Nullable Instant askAgainAt = null;
    try {
      CertificateAuthority ca = settings.authorities().get(authority);
      window = ca == null ? Optional.empty() : ca.renewalWindow(chain);
    } catch (RuntimeException e) {
      // Asked again later: a CA that wants a certificate replaced early says so through its window.
      askAgainAt = now.plus(WINDOW_ASKED_AGAIN);
      log.info("CA {} gave no renewal window for {} ({}); using the renewal policy, and asking again at {}",
          authority, chain.serialNumber(), e.toString(), askAgainAt);
      window = Optional.empty();
    }
    Instant at = settings.renewalPolicy().renewalAt(chain, type, window);
    Instant checkAt = window.map(RenewalWindow::checkAgainAt).orElse(askAgainAt);
    if (checkAt == null) {
      return new Renewal(at, null);
    }
    Instant earliest = now.plus(EARLIEST_WINDOW_CHECK);
    checkAt = checkAt.isBefore(earliest) ? earliest : checkAt;
    return new Renewal(at, checkAt.isBefore(at) ? checkAt : null);
  }

  /** The CA asked to be asked again: its window may have moved (ARI), and the renewal with it. */
  private void recheckRenewal(Enrollment enrollment, Instant now) {
    DeployedCertificate live = enrollment.production();
    if (live == null) {
      writer.writeEnrollment(enrollment, b -> b.renewalCheckAt(null), List.of());
      return;
    }
    Renewal renewal = renewal(authorityId(enrollment), enrollment.request().validationType(), live.chain(), now);
    if (!renewal.at().equals(enrollment.renewalAt())) {
      log.info("CA window for enrollment {} moved its renewal from {} to {}", enrollment.id(),
          enrollment.renewalAt(), renewal.at());
    }
    writer.writeEnrollment(enrollment, b -> b.renewalAt(renewal.at()).renewalCheckAt(renewal.checkAt()), List.of());
  }

  /** Asks the probe, if one is configured for the network, what the network serves now. */
  private List<ProbeResult> probe(@Nullable DeploymentProbe probe, NetworkRole role, Enrollment enrollment,
      Change change, CertificateChain chain) {
    if (probe == null) {
      return List.of();
    }
    return probe.probe(role, enrollment.id(), chain, change.request().names());
  }

  /** A network does not serve what was deployed to it: deployed again after a backoff, like a failure. */
  private void probeFailed(Enrollment enrollment, Change change, Instant now, List<ProbeResult> probes) {
    String failed = probes.stream().filter(p -> !p.passed()).map(ProbeResult::toString)
        .collect(Collectors.joining("; "));
    retry(enrollment, change, change.toBuilder().probes(probes), now, new DeploymentException("probe failed: " + failed));
  }

  private Instant expiryWarningAt(CertificateChain chain) {
    Duration before = settings.expiryWarning();
    Duration quarter = chain.lifetime().dividedBy(4);
    return chain.notAfter().minus(before.compareTo(quarter) > 0 ? quarter : before);
  }

  private Deployment deployment(Enrollment enrollment, Change change, CertificateChain chain) {
    return new Deployment(enrollment.id(), change.id(), chain,
        settings.keys().privateKey(required(change.key(), change, "key")), enrollment.request().networkSettings());
  }

  /** Step 11: the renewal opens a change of its own; the renewal instant is spent. */
  private void openRenewal(Enrollment enrollment, Instant now) {
    Change renewal = Change.open(ChangeId.random(), ChangeReason.RENEWAL, enrollment.request(),
        authorityId(enrollment), now, ENGINE);
    writer.writeEnrollment(enrollment, b -> b.putChange(renewal).renewalAt(null).renewalCheckAt(null),
        List.of(new ProvisioningEvent.Transitioned(enrollment.id(), renewal.id(), "", renewal.state().name(), ENGINE,
            now)));
  }

  String authorityId(Enrollment enrollment) {
    return authorityIdFor(enrollment.request());
  }

  String authorityIdFor(EnrollmentRequest request) {
    String named = request.certificateAuthority();
    return named != null ? named : settings.defaultAuthority();
  }

  private void warnExpiry(Enrollment enrollment, Instant now) {
    DeployedCertificate live = enrollment.production();
    List<ProvisioningEvent> events = live == null ? List.of()
        : List.of(new ProvisioningEvent.ExpiringSoon(enrollment.id(), live.notAfter(), now));
    if (live != null) {
      log.warn("The certificate of enrollment {} expires at {} and no replacement is live", enrollment.id(),
          live.notAfter());
    }
    writer.writeEnrollment(enrollment, b -> b.expiryWarningAt(null), events);
  }

  /** Transient failure: back off exponentially with jitter, bounded; then give up. */
  private void retry(Enrollment enrollment, Change change, Instant now, Throwable failure) {
    retry(enrollment, change, change.toBuilder(), now, failure);
  }

  /** A transient failure written over {@code next}, which may carry what the failed step found. */
  private void retry(Enrollment enrollment, Change change, Change.Builder next, Instant now,
      Throwable failure) {
    int attempt = change.attempts() + 1;
    String error = failure.getClass().getSimpleName() + ": " + failure.getMessage();
    if (attempt >= settings.retryPolicy().maxAttempts()) {
      fail(enrollment, change, "gave up after " + attempt + " attempts; last error: " + error);
      return;
    }
    Instant retryAt = now.plus(settings.retryPolicy().delay(attempt, nextJitter()));
    if (failure instanceof CaUnavailableException unavailable && unavailable.retryAfter() != null
        && unavailable.retryAfter().isAfter(retryAt)) {
      retryAt = unavailable.retryAfter();
    }
    log.info("Change {} of enrollment {}: {} failed ({}), retry {} at {}", change.id(), enrollment.id(),
        change.state().name(), error, attempt, retryAt);
    writer.write(enrollment, change,
        next.attempts(attempt).lastError(error).nextActionAt(retryAt),
        change.state().name() + " failed (" + error + "); retry " + attempt + " at " + retryAt, ENGINE,
        b -> b, List.of(new ProvisioningEvent.RetryScheduled(
            enrollment.id(), change.id(), attempt, error, retryAt, now)));
  }

  /**
   * The CA no longer knows the order (it restarted empty, or the order expired): the key and CSR are
   * kept and a new order is placed at once. The lost order can no longer be issued. A CA that loses
   * as many orders of one change as the retry policy allows attempts ends the change.
   */
  private void reorder(Enrollment enrollment, Change change, Instant now, OrderLostException lost) {
    int attempt = change.attempts() + 1;
    String error = ORDER_LOST + lost.getMessage();
    long lostBefore = change.timeline().stream().filter(e -> e.what().contains(ORDER_LOST)).count();
    if (lostBefore + 1 >= settings.retryPolicy().maxAttempts()) {
      fail(enrollment, change, "gave up after " + (lostBefore + 1) + " lost orders; last error: " + error);
      return;
    }
    log.warn("Change {} of enrollment {}: {}; ordering again", change.id(), enrollment.id(), error);
    cleanUp(change.presentedChallenges());
    writer.write(enrollment, change,
        change.toBuilder().state(new ChangeState.CsrReady()).order(null).presentedChallenges(List.of())
            .attempts(attempt).lastError(error).nextActionAt(now),
        error + "; ordering again", ENGINE, b -> b,
        List.of(new ProvisioningEvent.RetryScheduled(enrollment.id(), change.id(), attempt, error, now, now)));
  }

  private synchronized double nextJitter() {
    return jitter.nextDouble();
  }

  void fail(Enrollment enrollment, Change change, String reason) {
    Instant now = settings.clock().instant();
    log.warn("Change {} of enrollment {} failed: {}", change.id(), enrollment.id(), reason);
    Enrollment written = writer.write(enrollment, change,
        change.toBuilder().state(new ChangeState.Failed(reason)).lastError(reason).nextActionAt(null), reason, ENGINE,
        b -> reopenRenewal(b, enrollment, now), List.of());
    writer.afterWrite(() -> closed(written, change));
  }

  /**
   * After a change closed without reaching production: its challenges are cleaned up and its key,
   * which no network serves, is deleted. Best effort; the change is already stored as closed.
   */
  void closed(Enrollment enrollment, Change change) {
    cleanUp(change.presentedChallenges());
    KeyId key = change.key();
    if (key == null || isServed(enrollment, key)) {
      return;
    }
    try {
      settings.keys().delete(key);
    } catch (RuntimeException e) {
      log.info("Deleting key {} of closed change {} failed: {}", key, change.id(), e.toString());
    }
  }

  /** Deletes the keys of certificates that dropped out of the kept history and are served nowhere. */
  private void forgetRetired(Enrollment before, Enrollment after) {
    for (DeployedCertificate old : before.history()) {
      if (!after.history().contains(old) && !isServed(after, old.key())) {
        try {
          settings.keys().delete(old.key());
        } catch (RuntimeException e) {
          log.info("Deleting retired key {} failed: {}", old.key(), e.toString());
        }
      }
    }
  }

  private static boolean isServed(Enrollment enrollment, KeyId key) {
    return (enrollment.production() != null && enrollment.production().key().equals(key))
        || (enrollment.staging() != null && enrollment.staging().key().equals(key))
        || enrollment.history().stream().anyMatch(d -> d.key().equals(key));
  }

  /**
   * After a change closes without reaching production, the live certificate is renewed again at
   * its policy instant, but not sooner than a day from now: nothing hot-loops, nothing is forgotten.
   */
  Enrollment.Builder reopenRenewal(Enrollment.Builder builder, Enrollment enrollment, Instant now) {
    DeployedCertificate live = enrollment.production();
    if (live == null) {
      return builder;
    }
    Renewal renewal = renewal(authorityId(enrollment), enrollment.request().validationType(), live.chain(), now);
    Instant earliest = now.plus(RETRY_AFTER_CLOSED);
    Instant at = renewal.at().isAfter(earliest) ? renewal.at() : earliest;
    Instant checkAt = renewal.checkAt() != null && renewal.checkAt().isBefore(at) ? renewal.checkAt() : null;
    return builder.renewalAt(at).renewalCheckAt(checkAt);
  }

  void cleanUp(List<Challenge> challenges) {
    for (Challenge challenge : challenges) {
      ChallengeSolver solver = solverFor(challenge);
      if (solver == null) {
        continue;
      }
      try {
        solver.cleanUp(challenge);
      } catch (RuntimeException e) {
        log.info("Cleaning up challenge {} for {} failed: {}", challenge.id(), challenge.domain(), e.toString());
      }
    }
  }

  CertificateAuthority authority(Change change) {
    CertificateAuthority authority = settings.authorities().get(change.authority());
    if (authority == null) {
      throw new CaRejectedException("certificate authority '" + change.authority()
          + "' is not configured; configured: " + settings.authorities().keySet());
    }
    return authority;
  }

  private static OrderRef order(Change change) {
    return required(change.order(), change, "order");
  }

  /** A step that went through: the count of consecutive failures starts again. */
  private static Change.Builder succeeded(Change change) {
    return change.toBuilder().attempts(0);
  }

  private static <T> T required(@Nullable T value, Change change, String what) {
    if (value == null) {
      throw new IllegalStateException("change " + change.id() + " in " + change.state().name() + " has no " + what);
    }
    return value;
  }
}
