package dev.cps.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PrivateKeyStore} must do: generate once per id, hand out a private key that
 * belongs to its public key, forget on delete, and never let key material into a message.
 */
public abstract class PrivateKeyStoreContract {
  private PrivateKeyStore store;

  /** A new, empty store; called before every test. */
  protected abstract PrivateKeyStore newStore();

  @BeforeEach
  public void createStore() {
    store = newStore();
  }

  @Test
  public void generateIsIdempotentPerId() {
    KeyId id = KeyId.of("k1");
    PublicKey first = store.generate(id, KeyType.EC_P256);
    PublicKey second = store.generate(id, KeyType.EC_P256);
    assertThat(second.getEncoded()).isEqualTo(first.getEncoded());
    assertThat(store.publicKey(id)).get().extracting(PublicKey::getEncoded).isEqualTo(first.getEncoded());
    assertThat(store.generate(KeyId.of("k2"), KeyType.EC_P256).getEncoded()).isNotEqualTo(first.getEncoded());
  }

  @Test
  public void aKeyGeneratedWithoutWaitingSignsAtOnceAndIsTheStoredOneOnceItsFutureCompletes()
      throws GeneralSecurityException {
    KeyId id = KeyId.of("async");
    PrivateKeyStore.Generated generated = store.generateAsync(id, KeyType.EC_P256);
    byte[] data = "signed before the key is durable".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(store.privateKey(id));
    signer.update(data);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(generated.publicKey());
    verifier.update(data);
    assertThat(verifier.verify(signature)).isTrue();

    PublicKey stored = generated.stored().orTimeout(30, TimeUnit.SECONDS).join();
    assertThat(stored.getEncoded()).isEqualTo(generated.publicKey().getEncoded());
    assertThat(store.publicKey(id)).get().extracting(PublicKey::getEncoded).isEqualTo(stored.getEncoded());
    PrivateKeyStore.Generated again = store.generateAsync(id, KeyType.EC_P256);
    assertThat(again.publicKey().getEncoded()).as("idempotent").isEqualTo(stored.getEncoded());
    assertThat(again.stored().orTimeout(30, TimeUnit.SECONDS).join().getEncoded()).isEqualTo(stored.getEncoded());
    // Refused at once, or through the future, as the SPI allows either.
    assertThatThrownBy(() -> store.generateAsync(id, KeyType.RSA_2048).stored().orTimeout(30, TimeUnit.SECONDS).join())
        .satisfiesAnyOf(
            refused -> assertThat(refused).isInstanceOf(IllegalStateException.class),
            refused -> assertThat(refused).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalStateException.class));
  }

  /** Threads generating one id at once all get the one key stored under it: nothing signs with a lost key. */
  @Test
  public void concurrentGenerationOfOneIdStoresOneKey() throws Exception {
    KeyId id = KeyId.of("raced");
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<PublicKey>> generated = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        generated.add(pool.submit(() -> {
          start.await();
          return store.generate(id, KeyType.EC_P256);
        }));
      }
      start.countDown();
      List<byte[]> returned = new ArrayList<>();
      for (Future<PublicKey> key : generated) {
        returned.add(key.get(60, TimeUnit.SECONDS).getEncoded());
      }
      byte[] stored = store.publicKey(id).orElseThrow().getEncoded();
      assertThat(returned).allSatisfy(key -> assertThat(key).isEqualTo(stored));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void anotherTypeUnderTheSameIdIsRefused() {
    KeyId id = KeyId.of("typed");
    PublicKey original = store.generate(id, KeyType.EC_P256);
    assertThatThrownBy(() -> store.generate(id, KeyType.EC_P384))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("typed");
    assertThat(store.publicKey(id)).get().extracting(PublicKey::getEncoded).isEqualTo(original.getEncoded());
  }

  @Test
  public void privateKeySignsWhatThePublicKeyVerifies() throws GeneralSecurityException {
    assertSignatureVerifies(KeyId.of("ec"), KeyType.EC_P256);
    assertSignatureVerifies(KeyId.of("ec384"), KeyType.EC_P384);
    assertSignatureVerifies(KeyId.of("rsa"), KeyType.RSA_2048);
  }

  private void assertSignatureVerifies(KeyId id, KeyType type) throws GeneralSecurityException {
    PublicKey publicKey = store.generate(id, type);
    byte[] message = ("signed by " + id).getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(type.signatureAlgorithm());
    signer.initSign(store.privateKey(id));
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(type.signatureAlgorithm());
    verifier.initVerify(publicKey);
    verifier.update(message);
    assertThat(verifier.verify(signature)).as("signature of %s key %s verifies", type, id).isTrue();
  }

  @Test
  public void deleteForgetsTheKey() {
    KeyId id = KeyId.of("gone");
    store.generate(id, KeyType.EC_P256);
    store.delete(id);
    assertThat(store.publicKey(id)).isEmpty();
    assertThatThrownBy(() -> store.privateKey(id)).isInstanceOf(NoSuchElementException.class);
    store.delete(id);
  }

  @Test
  public void unknownIdHasNoKey() {
    KeyId id = KeyId.of("never-generated");
    assertThat(store.publicKey(id)).isEmpty();
    assertThatThrownBy(() -> store.privateKey(id))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("never-generated");
  }

  @Test
  public void noMessageShowsPrivateKeyMaterial() {
    KeyId ec = KeyId.of("secret-ec");
    KeyId rsa = KeyId.of("secret-rsa");
    store.generate(ec, KeyType.EC_P256);
    store.generate(rsa, KeyType.RSA_2048);
    List<String> messages = new ArrayList<>();
    messages.add(store.toString());
    messages.add(failureMessage(() -> store.generate(ec, KeyType.RSA_2048)));
    messages.add(failureMessage(() -> store.generate(rsa, KeyType.EC_P256)));
    messages.add(failureMessage(() -> store.privateKey(KeyId.of("missing"))));
    for (KeyId id : List.of(ec, rsa)) {
      PrivateKey key = store.privateKey(id);
      for (String secret : secretForms(key)) {
        assertThat(messages).noneMatch(m -> m.contains(secret));
      }
    }
  }

  private static String failureMessage(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e.toString();
    }
    throw new AssertionError("expected the call to fail");
  }

  /** The ways a careless message could spell the key: its encoding and its secret number. */
  private static List<String> secretForms(PrivateKey key) {
    List<String> forms = new ArrayList<>();
    byte[] encoded = key.getEncoded();
    if (encoded != null) {
      forms.add(Base64.getEncoder().encodeToString(encoded));
      forms.add(Base64.getMimeEncoder().encodeToString(encoded).lines().findFirst().orElseThrow());
      forms.add(HexFormat.of().formatHex(encoded));
      forms.add(HexFormat.of().withUpperCase().formatHex(encoded));
    }
    if (key instanceof ECPrivateKey ec) {
      forms.add(ec.getS().toString(16));
      forms.add(ec.getS().toString());
    }
    if (key instanceof RSAPrivateKey rsa) {
      forms.add(rsa.getPrivateExponent().toString(16));
      forms.add(rsa.getPrivateExponent().toString());
    }
    return forms;
  }
}
