package dev.cps.store.jdbc;

/**
 * The database failed or could not be reached while the store did what the message names. The
 * engine treats it as transient: the enrollment is tried again later and nothing was written.
 */
public final class JdbcStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JdbcStoreException(String operation, Throwable cause) {
    super(operation + " failed: " + cause.getMessage(), cause);
  }
}
