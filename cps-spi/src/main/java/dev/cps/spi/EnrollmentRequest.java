package dev.cps.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Everything a requester says about the certificate they want. Every field is checked when the
 * request is built; a bad one is an {@link InvalidRequestException} that names each field and
 * value, before anything is stored.
 *
 * @param commonName the subject CN; also the first name of the certificate
 * @param subjectAlternativeNames further DNS names; the CN is added when missing
 * @param certificateAuthority the {@link CertificateAuthority#id()} to order from, or {@code null}
 *     for the provisioner's default
 * @param alwaysTestOnStaging wait for a person to acknowledge the staging test before production
 * @param deploymentNotBefore never deploy to production before this instant
 */
public record EnrollmentRequest(
    String commonName,
    List<String> subjectAlternativeNames,
    ValidationType validationType,
    KeyType keyType,
    @Nullable Organization organization,
    @Nullable Contact adminContact,
    @Nullable Contact techContact,
    @Nullable String certificateAuthority,
    boolean alwaysTestOnStaging,
    @Nullable Instant deploymentNotBefore,
    NetworkSettings networkSettings) {

  public EnrollmentRequest {
    Objects.requireNonNull(subjectAlternativeNames, "subjectAlternativeNames");
    Objects.requireNonNull(networkSettings, "networkSettings");
    // Checked on a copy that takes nulls, so that a null name is refused by its index rather than
    // by List.copyOf's bare NullPointerException, and the list checked is the one kept.
    List<String> names = new ArrayList<>(subjectAlternativeNames);
    List<Violation> violations = RequestValidation.check(
        commonName, names, validationType, keyType, organization, adminContact, techContact,
        certificateAuthority, networkSettings);
    if (!violations.isEmpty()) {
      throw new InvalidRequestException(violations);
    }
    subjectAlternativeNames = List.copyOf(names);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The names of the certificate: the CN first, then the SANs, without duplicates. */
  public List<String> names() {
    Set<String> names = new LinkedHashSet<>();
    names.add(commonName.toLowerCase(Locale.ROOT));
    for (String san : subjectAlternativeNames) {
      names.add(san.toLowerCase(Locale.ROOT));
    }
    return List.copyOf(names);
  }

  /**
   * Whether a certificate built from {@code other} would differ from one built from this request:
   * names, key, validation, organization or CA. Contacts, staging and network settings do not
   * change the certificate.
   */
  public boolean certificateDiffers(EnrollmentRequest other) {
    return !Set.copyOf(names()).equals(Set.copyOf(other.names()))
        || !commonName.equalsIgnoreCase(other.commonName)
        || !keyType.equals(other.keyType)
        || validationType != other.validationType
        || !Objects.equals(organization, other.organization)
        || !Objects.equals(certificateAuthority, other.certificateAuthority);
  }

  /** Builds an {@link EnrollmentRequest}; {@link #build()} checks every field. */
  public static final class Builder {
    private @Nullable String commonName;
    private final List<String> subjectAlternativeNames = new ArrayList<>();
    private ValidationType validationType = ValidationType.DV;
    private KeyType keyType = KeyType.EC_P256;
    private @Nullable Organization organization;
    private @Nullable Contact adminContact;
    private @Nullable Contact techContact;
    private @Nullable String certificateAuthority;
    private boolean alwaysTestOnStaging;
    private @Nullable Instant deploymentNotBefore;
    private NetworkSettings networkSettings = NetworkSettings.DEFAULT;

    private Builder() {}

    private Builder(EnrollmentRequest request) {
      commonName = request.commonName;
      subjectAlternativeNames.addAll(request.subjectAlternativeNames);
      validationType = request.validationType;
      keyType = request.keyType;
      organization = request.organization;
      adminContact = request.adminContact;
      techContact = request.techContact;
      certificateAuthority = request.certificateAuthority;
      alwaysTestOnStaging = request.alwaysTestOnStaging;
      deploymentNotBefore = request.deploymentNotBefore;
      networkSettings = request.networkSettings;
    }

    public Builder commonName(String commonName) {
      this.commonName = commonName;
      return this;
    }

    /** Replaces the SANs. */
    public Builder subjectAlternativeNames(List<String> names) {
      subjectAlternativeNames.clear();
      subjectAlternativeNames.addAll(names);
      return this;
    }

    public Builder addSubjectAlternativeName(String name) {
      subjectAlternativeNames.add(name);
      return this;
    }

    public Builder validationType(ValidationType validationType) {
      this.validationType = validationType;
      return this;
    }

    public Builder keyType(KeyType keyType) {
      this.keyType = keyType;
      return this;
    }

    public Builder organization(@Nullable Organization organization) {
      this.organization = organization;
      return this;
    }

    public Builder adminContact(@Nullable Contact adminContact) {
      this.adminContact = adminContact;
      return this;
    }

    public Builder techContact(@Nullable Contact techContact) {
      this.techContact = techContact;
      return this;
    }

    public Builder certificateAuthority(@Nullable String certificateAuthority) {
      this.certificateAuthority = certificateAuthority;
      return this;
    }

    public Builder alwaysTestOnStaging(boolean alwaysTestOnStaging) {
      this.alwaysTestOnStaging = alwaysTestOnStaging;
      return this;
    }

    public Builder deploymentNotBefore(@Nullable Instant deploymentNotBefore) {
      this.deploymentNotBefore = deploymentNotBefore;
      return this;
    }

    public Builder networkSettings(NetworkSettings networkSettings) {
      this.networkSettings = networkSettings;
      return this;
    }

    /** @throws InvalidRequestException naming every field that is wrong */
    public EnrollmentRequest build() {
      return new EnrollmentRequest(
          commonName, subjectAlternativeNames, validationType, keyType, organization, adminContact, techContact,
          certificateAuthority, alwaysTestOnStaging, deploymentNotBefore, networkSettings);
    }
  }
}
