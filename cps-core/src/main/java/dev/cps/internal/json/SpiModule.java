package dev.cps.internal.json;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonAppend;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.cps.spi.ChangeId;
import dev.cps.spi.Change;
import dev.cps.spi.ChangeState;
import dev.cps.spi.Enrollment;
import dev.cps.spi.EnrollmentId;
import dev.cps.spi.KeyId;
import dev.cps.spi.KeyType;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Teaches Jackson the SPI's values without the SPI knowing Jackson: mix-ins for the few
 * annotations the records need, and serializers for the values that read better as one string.
 */
final class SpiModule extends SimpleModule {
  private static final long serialVersionUID = 1L;

  SpiModule() {
    super("cps-spi");
    addStringValue(EnrollmentId.class, EnrollmentId::value, EnrollmentId::new);
    addStringValue(ChangeId.class, ChangeId::value, ChangeId::new);
    addStringValue(KeyId.class, KeyId::value, KeyId::new);
    addStringValue(KeyType.class, KeyType::toString, SpiModule::keyType);
    addSerializer(X509Certificate.class, new CertificateCodec.Serializer());
    addDeserializer(X509Certificate.class, new CertificateCodec.Deserializer());
    addSerializer(new SortedSetSerializer());
    addSerializer(Instant.class, new InstantWriter());
    setMixInAnnotation(Enrollment.class, EnrollmentMixIn.class);
    setMixInAnnotation(Change.class, ChangeMixIn.class);
    setMixInAnnotation(ChangeState.class, ChangeStateMixIn.class);
    // Every state the sealed type permits, so a new state needs no change here.
    for (Class<?> state : ChangeState.class.getPermittedSubclasses()) {
      registerSubtypes(new NamedType(state, state.getSimpleName()));
    }
  }

  private <T> void addStringValue(
      Class<T> type, StringValue.Writer<T> writer, StringValue.Reader<? extends T> reader) {
    addSerializer(type, new StringValue.Serializer<>(type, writer));
    addDeserializer(type, new StringValue.Deserializer<T>(type, reader));
  }

  /** Reads {@link KeyType#toString()}: {@code RSA-2048} or {@code EC-P256}. */
  static KeyType keyType(String text) {
    int dash = text.indexOf('-');
    String algorithm = dash < 0 ? text : text.substring(0, dash);
    String size = dash < 0 ? "" : text.substring(dash + 1);
    if (algorithm.equals("EC") && size.startsWith("P")) {
      return KeyType.ec(Integer.parseInt(size.substring(1)));
    }
    if (algorithm.equals("RSA")) {
      return KeyType.rsa(Integer.parseInt(size));
    }
    throw new IllegalArgumentException("not a key type such as RSA-2048 or EC-P256: " + text);
  }

  /** The schema version goes first, from an attribute of the writer. */
  @JsonAppend(prepend = true, attrs = @JsonAppend.Attr(value = EnrollmentJson.VERSION_FIELD))
  abstract static class EnrollmentMixIn {}

  abstract static class ChangeMixIn {
    /** Derived from the state; not stored. */
    @JsonIgnore
    abstract boolean isOpen();
  }

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
  abstract static class ChangeStateMixIn {}
}
