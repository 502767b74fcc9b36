package dev.cps.spi;

/**
 * Receives {@link ProvisioningEvent}s after the step that caused them is stored. Called on the
 * engine's thread: return quickly. A listener that throws is logged and does not stop the engine.
 */
@FunctionalInterface
public interface ProvisioningListener {
  void onEvent(ProvisioningEvent event);
}
