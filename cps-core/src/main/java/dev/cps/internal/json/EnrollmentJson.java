package dev.cps.internal.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cps.spi.Enrollment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Turns an {@link Enrollment}, with its changes, certificates and timelines, into a JSON document
 * and back, exactly: {@code read(write(e)).equals(e)}.
 *
 * <p>The document carries a schema version, {@code "v": 2}, as its first field. Fields this version
 * does not know are ignored, so an older library reads what a newer one added; a document of a
 * higher schema version is refused, since that number only moves when the meaning changes.
 * Instants are ISO-8601 strings with full precision, certificates the base64 of their DER, key
 * types {@code EC-P256} or {@code RSA-2048}, and each change state an object whose {@code type}
 * is the state's simple name.
 *
 * <p>Version 2 writes a certificate the document holds more than once (a change's chain is also
 * the one staged and the one live) in full only where it first appears, and a number in its other
 * places; a completed enrollment's document is little more than half the size it was in
 * version 1. Version 1 documents, with every certificate in full, still read.
 *
 * <p>Thread-safe: one configured mapper serves every caller.
 */
public final class EnrollmentJson {
  /** The schema version this library writes and the highest it reads. */
  public static final int VERSION = 2;

  static final String VERSION_FIELD = "v";

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new SpiModule())
      .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private static final ObjectWriter WRITER =
      MAPPER.writerFor(Enrollment.class).withAttribute(VERSION_FIELD, VERSION);

  private static final ObjectReader READER = MAPPER.readerFor(Enrollment.class);

  /**
   * Per thread, the buffer a document is written into and copied out of at its length. Jackson's
   * {@code writeValueAsBytes} grows a chain of blocks for each document instead, and allocated
   * three times a completed document's 4.3 KB per call; at one SQLite write per step, that was a
   * tenth of a write's CPU time.
   */
  private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

  private static final class Output extends ByteArrayOutputStream {
    private static final int INITIAL = 8 * 1024;
    /** A buffer that grew past this for one large document is not kept. */
    private static final int KEPT = 64 * 1024;

    Output() {
      super(INITIAL);
    }

    /** What was written, and the buffer emptied for the next document. */
    byte[] take() {
      byte[] document = toByteArray();
      reset();
      if (buf.length > KEPT) {
        buf = new byte[INITIAL];
      }
      return document;
    }
  }

  private EnrollmentJson() {}

  /** The enrollment as a UTF-8 JSON document. */
  public static byte[] toBytes(Enrollment enrollment) {
    Output output = OUTPUT.get();
    output.reset(); // a write that failed half-way may have left bytes behind
    try {
      WRITER.writeValue(output, enrollment);
      return output.take();
    } catch (IOException e) {
      // Every SPI value is serializable; reaching this is a bug in the module, not in the data.
      throw new IllegalStateException("enrollment " + enrollment.id() + " could not be written as JSON", e);
    }
  }

  /** The enrollment as a JSON string. */
  public static String toJson(Enrollment enrollment) {
    return new String(toBytes(enrollment), StandardCharsets.UTF_8);
  }

  /**
   * Reads a document written by {@link #toBytes(Enrollment)}.
   *
   * @throws CorruptDocumentException when the document is not a readable enrollment
   */
  public static Enrollment fromBytes(byte[] document) {
    if (opensWithReadableVersion(document.length, i -> document[i])) {
      try {
        return READER.readValue(document);
      } catch (IOException | RuntimeException e) {
        // read again through the tree below, which says what is wrong and where
      }
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(document);
    } catch (IOException e) {
      throw new CorruptDocumentException(salvageId(() -> MAPPER.createParser(document)), "not JSON: " + problem(e), e);
    }
    return fromTree(tree);
  }

  /**
   * Reads a document written by {@link #toJson(Enrollment)}.
   *
   * @throws CorruptDocumentException when the document is not a readable enrollment
   */
  public static Enrollment fromJson(String document) {
    if (opensWithReadableVersion(document.length(), document::charAt)) {
      try {
        return READER.readValue(document);
      } catch (IOException | RuntimeException e) {
        // read again through the tree below, which says what is wrong and where
      }
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(document);
    } catch (JacksonException e) {
      throw new CorruptDocumentException(salvageId(() -> MAPPER.createParser(document)), "not JSON: " + problem(e), e);
    }
    return fromTree(tree);
  }

  /**
   * Whether the document opens as this library writes it, {@code {"v":N,} with no space and a
   * version it reads: then it is bound straight from its text. Any other document, and one that
   * fails to bind, is read into a tree first, whose checks name what is wrong. Reading every
   * document that way parsed it twice, into the tree and then from it: a completed enrollment's
   * document took about 46 us to read that way and 40 us bound straight (medians of 20 rounds).
   */
  private static boolean opensWithReadableVersion(int length, IntUnaryOperator at) {
    String opening = "{\"" + VERSION_FIELD + "\":";
    if (length < opening.length() + 2) {
      return false;
    }
    for (int i = 0; i < opening.length(); i++) {
      if (at.applyAsInt(i) != opening.charAt(i)) {
        return false;
      }
    }
    int digit = at.applyAsInt(opening.length()) - '0';
    return digit >= 1 && digit <= VERSION && at.applyAsInt(opening.length() + 1) == ',';
  }

  private static Enrollment fromTree(@Nullable JsonNode tree) {
    if (tree == null || !tree.isObject()) {
      throw new CorruptDocumentException(null, "not a JSON object", null);
    }
    JsonNode idNode = tree.get("id");
    String id = idNode != null && idNode.isTextual() ? idNode.textValue() : null;
    JsonNode version = tree.get(VERSION_FIELD);
    if (version == null || !version.canConvertToInt() || !version.isIntegralNumber() || version.intValue() < 1) {
      throw new CorruptDocumentException(id, "no schema version \"" + VERSION_FIELD + "\" (found " + version + ")",
          null);
    }
    if (version.intValue() > VERSION) {
      throw new CorruptDocumentException(id, "written in schema version " + version.intValue()
          + ", this library reads up to " + VERSION + "; upgrade the library", null);
    }
    try {
      return READER.readValue(tree);
    } catch (IOException | RuntimeException e) {
      throw new CorruptDocumentException(id, problem(e), e);
    }
  }

  /** The top-level {@code id} of a document that breaks off or goes wrong after it, if it has one. */
  private static @Nullable String salvageId(ParserSource source) {
    try (JsonParser parser = source.open()) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("id".equals(field)) {
          return value == JsonToken.VALUE_STRING ? parser.getText() : null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  @FunctionalInterface
  private interface ParserSource {
    JsonParser open() throws IOException;
  }

  /** Jackson's own words without its source excerpt, which could be a whole document; and where. */
  private static String problem(Exception e) {
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      return m.getOriginalMessage() + " at " + m.getPathReference();
    }
    return e instanceof JacksonException j ? j.getOriginalMessage() : e.toString();
  }
}
