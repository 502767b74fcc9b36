package dev.cps.store.jdbc;

import dev.cps.spi.EnrollmentId;

/**
 * The stored document of one enrollment cannot be read: it is not the JSON of an enrollment, names
 * another id than its row, or was written by a newer library. Names the row's id, which is always
 * readable; the cause says what is wrong with the document. The row needs repair (or the library
 * an upgrade); reading it again will not help, and the other enrollments are not affected.
 */
public final class CorruptEnrollmentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final EnrollmentId enrollment;

  CorruptEnrollmentException(EnrollmentId enrollment, String problem, Throwable cause) {
    super("the stored document of enrollment " + enrollment + " is corrupt: " + problem, cause);
    this.enrollment = enrollment;
  }

  public EnrollmentId enrollment() {
    return enrollment;
  }
}
