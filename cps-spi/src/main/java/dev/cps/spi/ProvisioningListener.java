package dev.cps.spi;

/**
 * Receives {@link ProvisioningEvent}s after the step that caused them is stored. Called on the
 * engine's thread, after the step let go of the enrollment: return quickly; answering through the
 * provisioner, from this thread or another, is fine. A listener that throws is logged and does not
 * stop the engine.
 */
@FunctionalInterface
public interface ProvisioningListener {
  void onEvent(ProvisioningEvent event);
}
