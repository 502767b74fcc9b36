package dev.cps;

/** What an update does when the enrollment already has a change under way. */
public enum UpdateMode {
  /** Refuse with {@link ChangePendingException}; nothing is stored. */
  REFUSE_IF_PENDING,
  /** Cancel the pending change, then open the new one. */
  CANCEL_PENDING
}
