package dev.cps.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.OrderLostException;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderStatus;
import dev.cps.spi.RenewalWindow;
import dev.cps.testkit.TestCsr;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CertificateAuthority} must do: take an order for a CSR, issue a certificate
 * for exactly the CSR's key and names, hand out the chain leaf first, and accept a cancellation.
 *
 * <p>Real CAs take their time and may want challenges solved: {@link #awaitIssuance} is where a
 * subclass polls, solves and waits (with Awaitility against a real server, by moving a clock
 * against the fake).
 */
public abstract class CertificateAuthorityContract {
  private CertificateAuthority ca;

  /** A CA ready to take orders; called before every test. */
  protected abstract CertificateAuthority newAuthority();

  /**
   * Returns once {@code ca.status(order)} answers {@link OrderStatus.Issued}: solve the order's
   * challenges, wait, or move the clock. Must not return early.
   */
  protected abstract void awaitIssuance(CertificateAuthority ca, OrderRef order);

  /** The names the test orders certificates for; override for a CA that needs others. */
  protected List<String> names() {
    return List.of("a.example.com", "b.example.com");
  }

  /** Whether a cancelled order reports {@link OrderStatus.Invalid}; ACME has no cancel and may not. */
  protected boolean cancelInvalidatesOrder() {
    return true;
  }

  /**
   * Whether a request submitted again under the same request id gets the order placed for it first
   * (the SPI asks it where the CA can: the engine resubmits after a crash between the order and its
   * write). Override to return false for a CA that cannot.
   */
  protected boolean sameRequestIdSameOrder() {
    return true;
  }

  /**
   * A reference of this CA's kind to an order it never placed, made from one it did; by default the
   * placed one's value with a suffix. Override where that is not such a reference.
   */
  protected OrderRef unknownOrder(OrderRef placed) {
    return new OrderRef(placed.authority(), placed.value() + "-never-placed");
  }

  @BeforeEach
  public void createAuthority() {
    ca = newAuthority();
  }

  private OrderRef submit(TestCsr csr) {
    return ca.submit(csr.orderRequest(UUID.randomUUID().toString()));
  }

  @Test
  public void issuesACertificateForTheCsrsKeyAndNames() throws CertificateParsingException {
    TestCsr csr = TestCsr.forNames(names().toArray(String[]::new));
    OrderRef order = submit(csr);
    assertThat(order.authority()).isEqualTo(ca.id());
    awaitIssuance(ca, order);
    assertThat(ca.status(order)).isInstanceOf(OrderStatus.Issued.class);
    CertificateChain chain = ca.retrieve(order);
    X509Certificate leaf = chain.leaf();
    assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(csr.publicKey().getEncoded());
    assertThat(dnsNames(leaf)).containsExactlyInAnyOrderElementsOf(names());
    assertThat(leaf.getBasicConstraints()).as("leaf is not a CA").isEqualTo(-1);
    assertThat(leaf.getNotAfter()).isAfter(leaf.getNotBefore());
  }

  @Test
  public void chainIsLeafFirstAndEachCertificateIsSignedByTheNext() throws GeneralSecurityException {
    OrderRef order = submit(TestCsr.forNames(names().toArray(String[]::new)));
    awaitIssuance(ca, order);
    List<X509Certificate> certificates = ca.retrieve(order).certificates();
    assertThat(certificates).hasSizeGreaterThanOrEqualTo(2);
    for (int i = 0; i + 1 < certificates.size(); i++) {
      X509Certificate child = certificates.get(i);
      X509Certificate parent = certificates.get(i + 1);
      assertThat(child.getIssuerX500Principal()).isEqualTo(parent.getSubjectX500Principal());
      child.verify(parent.getPublicKey());
    }
  }

  @Test
  public void renewalWindowIfSuggestedFallsBeforeExpiry() {
    OrderRef order = submit(TestCsr.forNames(names().toArray(String[]::new)));
    awaitIssuance(ca, order);
    CertificateChain chain = ca.retrieve(order);
    Optional<RenewalWindow> window = ca.renewalWindow(chain);
    window.ifPresent(w -> assertThat(w.start()).isBefore(chain.notAfter()));
  }

  @Test
  public void cancelledOrderIsNotIssued() {
    OrderRef order = submit(TestCsr.forNames(names().toArray(String[]::new)));
    ca.cancel(order);
    OrderStatus status = ca.status(order);
    if (cancelInvalidatesOrder()) {
      assertThat(status).isInstanceOf(OrderStatus.Invalid.class);
    } else {
      assertThat(status).isNotInstanceOf(OrderStatus.Issued.class);
    }
  }

  @Test
  public void aRequestSubmittedAgainGetsTheSameOrder() {
    TestCsr csr = TestCsr.forNames(names().toArray(String[]::new));
    String requestId = UUID.randomUUID().toString();
    OrderRef first = ca.submit(csr.orderRequest(requestId));
    OrderRef again = ca.submit(csr.orderRequest(requestId));
    OrderRef other = ca.submit(csr.orderRequest(UUID.randomUUID().toString()));

    if (sameRequestIdSameOrder()) {
      assertThat(again).isEqualTo(first);
    }
    assertThat(other).isNotEqualTo(first);
  }

  /** The engine orders again for an order the CA does not know: it must say so with this exception. */
  @Test
  public void anOrderItNeverPlacedIsLost() {
    OrderRef placed = submit(TestCsr.forNames(names().toArray(String[]::new)));
    OrderRef unknown = unknownOrder(placed);

    assertThatThrownBy(() -> ca.status(unknown)).isInstanceOf(OrderLostException.class);
  }

  private static List<String> dnsNames(X509Certificate leaf) throws CertificateParsingException {
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    return sans == null ? List.of()
        : sans.stream().filter(san -> Integer.valueOf(2).equals(san.get(0))).map(san -> (String) san.get(1)).toList();
  }
}
