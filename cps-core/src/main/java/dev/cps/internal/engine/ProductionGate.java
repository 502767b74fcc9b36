package dev.cps.internal.engine;

import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.DeployedCertificate;
import dev.cps.spi.Enrollment;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a change on staging may go to production now (DESIGN step 9):
 *
 * <ul>
 *   <li>never before the deployment not-before date;
 *   <li>with Always Test on Staging, not before the acknowledgement;
 *   <li>with both, both must hold;
 *   <li>seven days before the live production certificate expires, a staged change goes without
 *       the acknowledgement — unless a deployment date is set.
 * </ul>
 */
final class ProductionGate {
  static final Duration SEVEN_DAYS = Duration.ofDays(7);

  /** The state the change moves to, when the engine should look again, and why. */
  record Decision(ChangeState state, @Nullable Instant nextActionAt, String why) {}

  private ProductionGate() {}

  /**
   * Always Test on Staging is the enrollment's setting as it is now (a person may switch it while a
   * change waits); the date is the change's own, set from the request or by a person.
   */
  static Decision decide(Enrollment enrollment, Change change, Instant now) {
    boolean testOnStaging = enrollment.request().alwaysTestOnStaging();
    @Nullable DeployedCertificate liveProduction = enrollment.production();
    boolean acknowledged = !testOnStaging || change.stagingAcknowledgement() != null;
    Instant notBefore = change.deploymentNotBefore();
    if (notBefore != null) {
      if (!acknowledged) {
        return new Decision(new ChangeState.AwaitingStagingTest(), null,
            "waiting for the staging test acknowledgement, then for " + notBefore);
      }
      if (now.isBefore(notBefore)) {
        return new Decision(new ChangeState.AwaitingDeploymentDate(notBefore), notBefore,
            "waiting for the deployment date " + notBefore);
      }
      return new Decision(new ChangeState.ReadyForProduction(), now, "deployment date " + notBefore + " reached");
    }
    if (acknowledged) {
      return new Decision(new ChangeState.ReadyForProduction(), now,
          testOnStaging ? "staging test acknowledged" : "no staging test required");
    }
    if (liveProduction == null) {
      return new Decision(new ChangeState.AwaitingStagingTest(), null, "waiting for the staging test acknowledgement");
    }
    Instant sevenDaysBefore = liveProduction.notAfter().minus(SEVEN_DAYS);
    if (!now.isBefore(sevenDaysBefore)) {
      return new Decision(new ChangeState.ReadyForProduction(), now,
          "seven-day rule: the live certificate expires " + liveProduction.notAfter()
              + ", deploying without the staging acknowledgement");
    }
    return new Decision(new ChangeState.AwaitingStagingTest(), sevenDaysBefore,
        "waiting for the staging test acknowledgement, or until " + sevenDaysBefore + " (seven-day rule)");
  }
}
