package dev.cps.internal.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An X.509 certificate as the base64 of its DER encoding, written once per document.
 *
 * <p>A certificate a document holds more than once (the change's chain is also the one staged and
 * the one live) is written in full where it first appears; every later appearance is the number
 * of certificates written in full before it, counted from 0 in document order. A reader meets the
 * full one first, since it reads in document order too.
 */
final class CertificateCodec {
  /** Per call: the certificates written or read in full so far, in document order. */
  private static final Object SEEN = new Object();

  private CertificateCodec() {}

  static final class Serializer extends StdScalarSerializer<X509Certificate> {
    private static final long serialVersionUID = 1L;

    Serializer() {
      super(X509Certificate.class);
    }

    @Override
    public void serialize(X509Certificate value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      @SuppressWarnings("unchecked")
      Map<X509Certificate, Integer> written = (Map<X509Certificate, Integer>) provider.getAttribute(SEEN);
      if (written == null) {
        written = new HashMap<>();
        provider.setAttribute(SEEN, written);
      }
      Integer earlier = written.putIfAbsent(value, written.size());
      if (earlier != null) {
        gen.writeNumber(earlier);
        return;
      }
      try {
        gen.writeBinary(value.getEncoded());
      } catch (CertificateEncodingException e) {
        provider.reportMappingProblem(e, "certificate %s cannot be encoded", value.getSubjectX500Principal());
      }
    }
  }

  static final class Deserializer extends StdScalarDeserializer<X509Certificate> {
    private static final long serialVersionUID = 1L;

    Deserializer() {
      super(X509Certificate.class);
    }

    @Override
    public X509Certificate deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      @SuppressWarnings("unchecked")
      List<X509Certificate> read = (List<X509Certificate>) ctxt.getAttribute(SEEN);
      if (read == null) {
        read = new ArrayList<>();
        ctxt.setAttribute(SEEN, read);
      }
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
        int earlier = p.getIntValue();
        if (earlier < 0 || earlier >= read.size()) {
          return (X509Certificate) ctxt.handleWeirdNumberValue(X509Certificate.class, earlier,
              "refers to certificate %d, but %d came before it", earlier, read.size());
        }
        return read.get(earlier);
      }
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        return (X509Certificate) ctxt.handleUnexpectedToken(X509Certificate.class, p);
      }
      byte[] der = p.getBinaryValue();
      X509Certificate certificate;
      try {
        // A factory is not documented as thread-safe; one per certificate is cheap next to parsing.
        certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
            new ByteArrayInputStream(der));
      } catch (CertificateException e) {
        throw ctxt.weirdStringException(p.getText(), X509Certificate.class, "not a DER X.509 certificate: " + e);
      }
      read.add(certificate);
      return certificate;
    }
  }
}
