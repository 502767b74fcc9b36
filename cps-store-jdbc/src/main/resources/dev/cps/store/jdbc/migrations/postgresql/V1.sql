-- Enrollments, private keys and key-encryption keys. Instants are epoch microseconds.
-- Ids sort as Java sorts them (code point order), whatever the cluster's collation.
CREATE TABLE cps_enrollment (
  id              TEXT    COLLATE "C" NOT NULL PRIMARY KEY,
  version         BIGINT  NOT NULL,
  state           TEXT,
  next_action_at  BIGINT,
  lease_owner     TEXT,
  lease_until     BIGINT,
  document        BYTEA   NOT NULL
);
CREATE INDEX cps_enrollment_due ON cps_enrollment (next_action_at, id) WHERE next_action_at IS NOT NULL;
CREATE INDEX cps_enrollment_leased ON cps_enrollment (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX cps_enrollment_state ON cps_enrollment (state);

CREATE TABLE cps_key_encryption_key (
  id           TEXT    NOT NULL PRIMARY KEY,
  kdf          TEXT    NOT NULL,
  salt         BYTEA,
  check_value  BYTEA   NOT NULL,
  created_at   BIGINT  NOT NULL
);

CREATE TABLE cps_private_key (
  id                     TEXT    COLLATE "C" NOT NULL PRIMARY KEY,
  key_type               TEXT    NOT NULL,
  public_key             BYTEA   NOT NULL,
  kek_id                 TEXT    NOT NULL REFERENCES cps_key_encryption_key (id),
  wrapped_data_key       BYTEA   NOT NULL,
  encrypted_private_key  BYTEA   NOT NULL,
  created_at             BIGINT  NOT NULL
);
CREATE INDEX cps_private_key_kek ON cps_private_key (kek_id);
