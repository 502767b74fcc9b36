package dev.cps.internal.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import java.io.IOException;

/** A value written as one JSON string: ids and key types. */
final class StringValue {
  private StringValue() {}

  @FunctionalInterface
  interface Writer<T> {
    String write(T value);
  }

  /** Parses the text back; throws {@link RuntimeException} when the text is no such value. */
  @FunctionalInterface
  interface Reader<T> {
    T read(String text);
  }

  static final class Serializer<T> extends StdScalarSerializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient Writer<T> writer;

    Serializer(Class<T> type, Writer<T> writer) {
      super(type);
      this.writer = writer;
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeString(writer.write(value));
    }
  }

  static final class Deserializer<T> extends StdScalarDeserializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient Reader<? extends T> reader;

    Deserializer(Class<T> type, Reader<? extends T> reader) {
      super(type);
      this.reader = reader;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        return (T) ctxt.handleUnexpectedToken(handledType(), p);
      }
      String text = p.getText();
      try {
        return reader.read(text);
      } catch (RuntimeException e) {
        throw ctxt.weirdStringException(text, handledType(), String.valueOf(e.getMessage()));
      }
    }
  }
}
