package dev.cps.store.jdbc;

import dev.cps.spi.CaRejectedException;
import dev.cps.spi.CaUnavailableException;
import dev.cps.spi.CertificateAuthority;
import dev.cps.spi.CertificateChain;
import dev.cps.spi.Challenge;
import dev.cps.spi.Deployment;
import dev.cps.spi.DeploymentException;
import dev.cps.spi.DeploymentNetwork;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.OrderRef;
import dev.cps.spi.OrderRequest;
import dev.cps.spi.OrderStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The client side of {@link CaServer}, in a provisioner process: a {@link CertificateAuthority}
 * and {@link DeploymentNetwork}s that forward to the test's JVM. A network reports, instead of the
 * private key, whether the key belongs to the certificate.
 */
final class RemoteCa implements CertificateAuthority {
  private final String base;
  private final String node;

  RemoteCa(String base, String node) {
    this.base = base;
    this.node = node;
  }

  @Override
  public String id() {
    return "remote-fake";
  }

  @Override
  public OrderRef submit(OrderRequest request) {
    Wire.OrderReply reply = post("/submit", new Wire.SubmitRequest(request.requestId(),
        Base64.getEncoder().encodeToString(request.csr().der()), request.enrollment().commonName(),
        request.enrollment().subjectAlternativeNames(), request.enrollment().validationType().name(),
        request.enrollment().keyType().toString()), Wire.OrderReply.class);
    return new OrderRef(id(), reply.order());
  }

  @Override
  public OrderStatus status(OrderRef order) {
    Wire.StatusReply reply = post("/status", new Wire.OrderReply(order.value()), Wire.StatusReply.class);
    return switch (reply.status()) {
      case "issued" -> new OrderStatus.Issued();
      case "invalid" -> new OrderStatus.Invalid(reply.reason());
      default -> new OrderStatus.Pending(List.of(), null);
    };
  }

  @Override
  public void challengesReady(OrderRef order, List<Challenge> challenges) {
    throw new CaRejectedException("the remote fake CA asks for no challenges");
  }

  @Override
  public CertificateChain retrieve(OrderRef order) {
    return Wire.decode(post("/retrieve", new Wire.OrderReply(order.value()), Wire.ChainReply.class).chain());
  }

  @Override
  public void cancel(OrderRef order) {
    post("/cancel", new Wire.OrderReply(order.value()), Wire.OrderReply.class);
  }

  DeploymentNetwork network(String name) {
    return new DeploymentNetwork() {
      @Override
      public void deploy(Deployment deployment) {
        try {
          post("/deploy", new Wire.DeployRequest(name, deployment.enrollment().value(), deployment.change().value(),
              Wire.encode(deployment.chain()), keyMatches(deployment), node), Wire.OrderReply.class);
        } catch (RuntimeException e) {
          throw new DeploymentException(name + " did not take the deployment: " + e.getMessage(), e);
        }
      }

      @Override
      public Optional<CertificateChain> live(EnrollmentId enrollment) {
        List<String> chain = post("/live", new Wire.DeployRequest(name, enrollment.value(), "", List.of(), false, node),
            Wire.LiveReply.class).chain();
        return chain.isEmpty() ? Optional.empty() : Optional.of(Wire.decode(chain));
      }
    };
  }

  /** Signs with the private key and verifies with the certificate. */
  private static boolean keyMatches(Deployment deployment) {
    try {
      String algorithm = deployment.privateKey().getAlgorithm().startsWith("RSA") ? "SHA256withRSA"
          : "SHA256withECDSA";
      byte[] message = deployment.change().value().getBytes(StandardCharsets.UTF_8);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(deployment.privateKey());
      signer.update(message);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(deployment.chain().leaf().getPublicKey());
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** HttpURLConnection rather than HttpClient: it starts in a fraction of the time, and these processes start often. */
  private <T> T post(String path, Object body, Class<T> replyType) {
    int status;
    byte[] answer;
    try {
      HttpURLConnection connection = (HttpURLConnection) new URL(base + path).openConnection();
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(30_000);
      connection.setDoOutput(true);
      connection.setRequestMethod("POST");
      connection.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = connection.getOutputStream()) {
        out.write(Wire.JSON.writeValueAsBytes(body));
      }
      status = connection.getResponseCode();
      try (InputStream in = status == 200 ? connection.getInputStream() : connection.getErrorStream()) {
        answer = in.readAllBytes();
      }
    } catch (IOException e) {
      throw new CaUnavailableException("the test's CA server did not answer: " + e);
    }
    try {
      if (status == 200) {
        return Wire.JSON.readValue(answer, replyType);
      }
      Wire.ErrorReply error = Wire.JSON.readValue(answer, Wire.ErrorReply.class);
      if (status == 422) {
        throw new CaRejectedException(error.message());
      }
      throw new CaUnavailableException(error.kind() + ": " + error.message());
    } catch (IOException e) {
      throw new CaUnavailableException("unreadable answer from the test's CA server: " + e);
    }
  }
}
