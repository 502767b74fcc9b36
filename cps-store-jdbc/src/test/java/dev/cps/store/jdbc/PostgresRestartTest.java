package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cps.spi.Enrollment;
import dev.cps.testkit.FakeOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL is stopped (every connection cut) while a provisioner works, and started again: the
 * provisioner carries on, and no change is lost or ordered twice. The test runs its own cluster,
 * since it stops it.
 */
class PostgresRestartTest {
  static final int ENROLLMENTS = 40;

  @Test
  void aDatabaseThatGoesAwayMidRunLosesNoChange() throws Exception {
    try (PostgresServer server = PostgresServer.startThrowaway();
        LocalWorkflow workflow = new LocalWorkflow(server.createDatabase(), 2)) {
      List<Enrollment> enrolled = workflow.enroll(ENROLLMENTS, "restart.example");
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger failedPasses = new AtomicInteger();
      Thread host = new Thread(() -> {
        while (!done.get()) {
          try {
            workflow.provisioner.runDue();
          } catch (RuntimeException e) {
            failedPasses.incrementAndGet(); // the database is away: the host's loop tries again
          }
          workflow.clock.advance(Duration.ofSeconds(20));
        }
      }, "host-scheduler");
      host.start();
      try {
        awaitOrders(workflow, ENROLLMENTS / 4);
        server.stop();
        int ordersWhileDown = workflow.ca.orders().size();
        Thread.sleep(1_500);
        server.start();
        awaitAllInProduction(workflow, Duration.ofSeconds(90));
        System.out.printf("PostgreSQL stopped after %d of %d orders; %d passes failed while it was away%n",
            ordersWhileDown, ENROLLMENTS, failedPasses.get());
      } finally {
        done.set(true);
        host.join(60_000);
      }

      List<String> brokenSteps = enrolled.stream()
          .flatMap(e -> workflow.provisioner.enrollment(e.id()).orElseThrow().changes().get(0).timeline().stream())
          .map(entry -> entry.what())
          .filter(what -> what.contains(JdbcStoreException.class.getSimpleName()))
          .toList();
      System.out.println("steps the outage broke, as the timelines tell: " + brokenSteps);
      assertThat(brokenSteps).as("steps that met the stopped database").isNotEmpty();
      List<FakeOrder> orders = workflow.ca.orders();
      assertThat(orders).hasSize(ENROLLMENTS);
      assertThat(orders.stream().map(FakeOrder::requestId).collect(Collectors.toSet())).hasSize(ENROLLMENTS);
      assertThat(workflow.ca.issuedCount()).isEqualTo(ENROLLMENTS);
      for (Enrollment enrollment : enrolled) {
        Enrollment stored = workflow.provisioner.enrollment(enrollment.id()).orElseThrow();
        assertThat(stored.changes()).hasSize(1);
        assertThat(stored.production()).isNotNull();
        assertThat(workflow.production.live(enrollment.id())).contains(stored.production().chain());
        assertThat(workflow.stores.keys().privateKey(stored.production().key())).isNotNull();
      }
    }
  }

  private static void awaitOrders(LocalWorkflow workflow, int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (workflow.ca.orders().size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + workflow.ca.orders().size() + " orders after a minute");
      }
      Thread.sleep(5);
    }
  }

  private static void awaitAllInProduction(LocalWorkflow workflow, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (workflow.production.deployments().stream().map(d -> d.enrollment()).distinct().count() < ENROLLMENTS) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not every enrollment reached production within " + timeout + ": "
            + workflow.production.deployments().size() + " deployments");
      }
      Thread.sleep(50);
    }
  }
}
