package dev.cps.deploy;

import dev.cps.spi.DeploymentNetwork;
import dev.cps.testkit.contract.DeploymentNetworkContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileSystemNetworkContractTest extends DeploymentNetworkContract {
  @TempDir
  Path root;

  @Override
  protected DeploymentNetwork newNetwork() {
    return FileSystemNetwork.builder(root).build();
  }
}
