package dev.cps.internal.json;

import org.jspecify.annotations.Nullable;

/**
 * A stored enrollment document could not be read back: it is not JSON, misses a required field,
 * holds a value the model refuses, or was written by a newer, incompatible version of the library.
 * The store's copy needs repair or an upgrade of the library; retrying will not help.
 */
public final class CorruptDocumentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String enrollmentId;

  CorruptDocumentException(@Nullable String enrollmentId, String problem, @Nullable Throwable cause) {
    super("enrollment document " + (enrollmentId == null ? "(id unreadable)" : enrollmentId) + " is corrupt: "
        + problem, cause);
    this.enrollmentId = enrollmentId;
  }

  /** The id the document names, or {@code null} when even that could not be read. */
  public @Nullable String enrollmentId() {
    return enrollmentId;
  }
}
