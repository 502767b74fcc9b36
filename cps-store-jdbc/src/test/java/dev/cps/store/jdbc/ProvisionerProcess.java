package dev.cps.store.jdbc;

import dev.cps.CertificateProvisioner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * A provisioner in a process of its own, for the crash and cluster tests: stores at a JDBC URL,
 * the CA and networks of the test's JVM ({@link CaServer}), real time, and {@code start()}.
 *
 * <p>It first sets up what takes a JVM long and touches no database (the BouncyCastle provider,
 * the JDBC drivers, the JSON codec), prints {@code WARM} and waits for a line on its standard
 * input: a test can so boot the next process while the current one still works. Then it opens the
 * stores, starts, prints {@code READY}, and runs until it is killed.
 *
 * <p>Arguments: the store URL, the CA server URL, the node id, the lease in milliseconds.
 */
public final class ProvisionerProcess {
  static final String WARM = "WARM";
  static final String READY = "READY";

  private ProvisionerProcess() {}

  public static void main(String[] args) throws Exception {
    Provider bouncyCastle = warmUp();
    long started = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    System.out.println("warm after " + (System.currentTimeMillis() - started) + " ms");
    System.out.println(WARM);
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    long go = System.currentTimeMillis();

    RemoteCa ca = new RemoteCa(args[1], args[2]);
    // One BouncyCastle instance for the stores and the engine: each takes long to set up.
    JdbcStores stores = JdbcStores.builder().url(args[0]).keyEncryptionKey(TestKeks.first())
        .cryptoProvider(bouncyCastle).build();
    CertificateProvisioner provisioner = CertificateProvisioner.builder()
        .clock(Clock.systemUTC())
        .enrollmentStore(stores.enrollments())
        .keyStore(stores.keys())
        .certificateAuthority(ca)
        .stagingNetwork(ca.network("staging"))
        .productionNetwork(ca.network("production"))
        .nodeId(args[2])
        .leaseDuration(Duration.ofMillis(Long.parseLong(args[3])))
        .pollInterval(Duration.ofMillis(100))
        .workers(2)
        .cryptoProvider(bouncyCastle)
        .build();
    provisioner.start();
    System.out.println("ready " + (System.currentTimeMillis() - go) + " ms after go");
    System.out.println(READY);
    System.out.flush();
    new CountDownLatch(1).await(); // serves until the test kills this process
  }

  private static Provider warmUp() throws IOException {
    Provider bouncyCastle = new BouncyCastleProvider();
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", bouncyCastle);
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      generator.generateKeyPair();
      for (String type : new String[] {"org.sqlite.JDBC", "org.postgresql.Driver", "com.zaxxer.hikari.HikariDataSource",
          "dev.cps.internal.json.EnrollmentJson", "dev.cps.internal.engine.Provisioner"}) {
        Class.forName(type, true, ProvisionerProcess.class.getClassLoader());
      }
    } catch (ReflectiveOperationException | GeneralSecurityException e) {
      throw new IOException("warming up failed", e);
    }
    return bouncyCastle;
  }
}
