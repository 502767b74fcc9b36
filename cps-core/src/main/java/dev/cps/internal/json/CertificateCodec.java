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

/** An X.509 certificate as the base64 of its DER encoding. */
final class CertificateCodec {
  private CertificateCodec() {}

  static final class Serializer extends StdScalarSerializer<X509Certificate> {
    private static final long serialVersionUID = 1L;

    Serializer() {
      super(X509Certificate.class);
    }

    @Override
    public void serialize(X509Certificate value, JsonGenerator gen, SerializerProvider provider) throws IOException {
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
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        return (X509Certificate) ctxt.handleUnexpectedToken(X509Certificate.class, p);
      }
      byte[] der = p.getBinaryValue();
      try {
        // A factory is not documented as thread-safe; one per certificate is cheap next to parsing.
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
            new ByteArrayInputStream(der));
      } catch (CertificateException e) {
        throw ctxt.weirdStringException(p.getText(), X509Certificate.class, "not a DER X.509 certificate: " + e);
      }
    }
  }
}
