package dev.cps.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cps.spi.Enrollment;
import dev.cps.testkit.FakeOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL is stopped (every connection cut) while a provisioner works, and started again once a
 * pass of the host's loop has met it: the provisioner carries on, and no change is lost or ordered
 * twice. The test runs its own cluster, since it stops it, and gives the stores its own pool, which
 * waits half a second for a connection, so that the outage is felt rather than waited out.
 */
class PostgresRestartTest {
  static final int ENROLLMENTS = 40;

  @Test
  void aDatabaseThatGoesAwayMidRunLosesNoChange() throws Exception {
    try (PostgresServer server = PostgresServer.startThrowaway();
        HikariDataSource pool = pool(server.createDatabase());
        LocalWorkflow workflow = new LocalWorkflow(pool, 2)) {
      List<Enrollment> enrolled = workflow.enroll(ENROLLMENTS, "restart.example");
      ListAppender<ILoggingEvent> engineLog = new ListAppender<>();
      engineLog.start();
      Logger engineLogger = (Logger) LoggerFactory.getLogger("dev.cps.internal.engine");
      engineLogger.addAppender(engineLog);
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
        // The database stays away until the provisioner has met it: a pass or a step that failed.
        await().alias("the provisioner meets the stopped database").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(10)).until(() -> failedPasses.get() + storeFailures(engineLog) > 0);
        server.start();
        awaitAllInProduction(workflow, Duration.ofSeconds(90));
        System.out.printf("PostgreSQL stopped after %d of %d orders; %d passes failed while it was away%n",
            ordersWhileDown, ENROLLMENTS, failedPasses.get());
      } finally {
        done.set(true);
        host.join(60_000);
        engineLogger.detachAppender(engineLog);
      }

      List<String> brokenSteps = enrolled.stream()
          .flatMap(e -> workflow.provisioner.enrollment(e.id()).orElseThrow().changes().get(0).timeline().stream())
          .map(entry -> entry.what())
          .filter(what -> what.contains(JdbcStoreException.class.getSimpleName()))
          .toList();
      // A step that met the outage is retried (on its timeline) or, when even that could not be
      // written, set aside by the scheduler for a while (in its log); a pass may fail as a whole.
      long loggedFailures = storeFailures(engineLog);
      System.out.printf("the outage broke %d steps on their timelines, %d engine log lines, %d passes%n",
          brokenSteps.size(), loggedFailures, failedPasses.get());
      assertThat(brokenSteps.size() + loggedFailures + failedPasses.get())
          .as("steps and passes that met the stopped database").isPositive();
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

  /** The engine's log lines about a store failure; read under the appender's lock, which appending holds. */
  private static long storeFailures(ListAppender<ILoggingEvent> engineLog) {
    List<ILoggingEvent> events;
    synchronized (engineLog) {
      events = List.copyOf(engineLog.list);
    }
    return events.stream()
        .filter(event -> event.getFormattedMessage().contains(JdbcStoreException.class.getSimpleName())
            || (event.getThrowableProxy() != null
                && event.getThrowableProxy().getClassName().equals(JdbcStoreException.class.getName())))
        .count();
  }

  private static HikariDataSource pool(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(500);
    return new HikariDataSource(config);
  }

  private static void awaitOrders(LocalWorkflow workflow, int count) {
    await().alias(count + " orders").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
        .until(() -> workflow.ca.orders().size() >= count);
  }

  private static void awaitAllInProduction(LocalWorkflow workflow, Duration timeout) {
    await().alias("every enrollment in production").atMost(timeout).pollInterval(Duration.ofMillis(50))
        .until(() -> workflow.production.deployments().stream().map(d -> d.enrollment()).distinct().count(),
            deployed -> deployed >= ENROLLMENTS);
  }
}
