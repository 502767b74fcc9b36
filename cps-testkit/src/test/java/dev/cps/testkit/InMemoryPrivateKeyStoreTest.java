package dev.cps.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import dev.cps.spi.PrivateKeyStore;
import dev.cps.testkit.contract.PrivateKeyStoreContract;
import java.security.Security;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;

class InMemoryPrivateKeyStoreTest extends PrivateKeyStoreContract {

  @Override
  protected PrivateKeyStore newStore() {
    return new InMemoryPrivateKeyStore();
  }

  @Test
  void keysHaveTheRequestedTypeAndSize() {
    InMemoryPrivateKeyStore store = new InMemoryPrivateKeyStore();
    assertThat(store.generate(KeyId.of("ec"), KeyType.EC_P384)).isInstanceOfSatisfying(ECPublicKey.class,
        key -> assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(384));
    assertThat(store.generate(KeyId.of("rsa"), KeyType.RSA_3072)).isInstanceOfSatisfying(RSAPublicKey.class,
        key -> assertThat(key.getModulus().bitLength()).isEqualTo(3072));
  }

  @Test
  void refusalNamesTheIdAndBothTypes() {
    InMemoryPrivateKeyStore store = new InMemoryPrivateKeyStore();
    store.generate(KeyId.of("k"), KeyType.EC_P256);
    assertThatThrownBy(() -> store.generate(KeyId.of("k"), KeyType.RSA_2048))
        .hasMessageContaining("k").hasMessageContaining("EC-P256").hasMessageContaining("RSA-2048");
  }

  @Test
  void sizeIdsAndToStringTellOnlyCounts() {
    InMemoryPrivateKeyStore store = new InMemoryPrivateKeyStore();
    store.generate(KeyId.of("b"), KeyType.EC_P256);
    store.generate(KeyId.of("a"), KeyType.EC_P256);
    store.generate(KeyId.of("a"), KeyType.EC_P256);
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.ids()).containsExactly(KeyId.of("a"), KeyId.of("b"));
    assertThat(store).hasToString("InMemoryPrivateKeyStore[2 keys]");
  }

  @Test
  void bouncyCastleIsNotRegisteredGlobally() {
    new InMemoryPrivateKeyStore().generate(KeyId.of("k"), KeyType.EC_P256);
    assertThat(Security.getProvider("BC")).isNull();
  }
}
