package dev.cps.ca.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.OrderRef;
import dev.cps.testkit.InMemoryPrivateKeyStore;
import dev.cps.testkit.TestCsr;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A server that is not there or does not answer is a transient failure, never a rejection. */
class ServerFailuresTest {

  @Test
  void aRefusedConnectionIsUnavailable() {
    int closed = Pebble.freeTcpPort();
    AcmeCertificateAuthority ca = AcmeCertificateAuthority.builder()
        .directory(URI.create("https://127.0.0.1:" + closed + "/dir")).keyStore(new InMemoryPrivateKeyStore())
        .agreeToTermsOfService().build();

    CaUnavailableException unavailable = catchThrowableOfType(CaUnavailableException.class,
        () -> ca.submit(TestCsr.forNames("refused.example.com").orderRequest("r1")));

    assertThat(unavailable.getMessage()).contains("cannot reach the ACME server", "ConnectException");
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws IOException {
    List<Socket> held = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread accepting = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept());
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      accepting.setDaemon(true);
      accepting.start();
      AcmeCertificateAuthority ca = AcmeCertificateAuthority.builder()
          .directory(URI.create("https://127.0.0.1:" + silent.getLocalPort() + "/dir"))
          .keyStore(new InMemoryPrivateKeyStore()).agreeToTermsOfService().timeout(Duration.ofMillis(500)).build();
      long started = System.nanoTime();

      CaUnavailableException unavailable = catchThrowableOfType(CaUnavailableException.class,
          () -> ca.status(new OrderRef("acme", "https://127.0.0.1:" + silent.getLocalPort() + "/my-order/1")));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      assertThat(unavailable.getMessage()).contains("cannot reach the ACME server");
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void anOrderOfAnotherCaIsRefused() {
    AcmeCertificateAuthority ca = AcmeCertificateAuthority.builder().directory(URI.create("https://127.0.0.1:1/dir"))
        .keyStore(new InMemoryPrivateKeyStore()).build();

    assertThat(catchThrowableOfType(dev.cps.spi.CaRejectedException.class,
        () -> ca.status(new OrderRef("other", "https://127.0.0.1:1/my-order/1"))).reason())
        .contains("belongs to CA 'other'");
  }
}
