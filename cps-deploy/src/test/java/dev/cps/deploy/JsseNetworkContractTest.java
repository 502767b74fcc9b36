package dev.cps.deploy;

import dev.cps.spi.DeploymentNetwork;
import dev.cps.testkit.contract.DeploymentNetworkContract;

class JsseNetworkContractTest extends DeploymentNetworkContract {
  @Override
  protected DeploymentNetwork newNetwork() {
    return JsseNetwork.create();
  }
}
