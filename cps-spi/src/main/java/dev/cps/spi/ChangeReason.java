package dev.cps.spi;

/** Why a change was opened. */
public enum ChangeReason {
  NEW_CERTIFICATE,
  RENEWAL,
  UPDATE
}
