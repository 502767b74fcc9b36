package dev.cps.internal.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;

class PluginsTest {
  private static final URI LOCATION = URI.create("memory:default");

  interface Provider {
    boolean accepts(URI location);
  }

  static final class Accepting implements Provider {
    @Override
    public boolean accepts(URI location) {
      return true;
    }
  }

  static final class AlsoAccepting implements Provider {
    @Override
    public boolean accepts(URI location) {
      return true;
    }
  }

  static final class Refusing implements Provider {
    @Override
    public boolean accepts(URI location) {
      return false;
    }
  }

  static final class Throwing implements Provider {
    @Override
    public boolean accepts(URI location) {
      throw new IllegalStateException("broken configuration");
    }
  }

  @Test
  void theOneAcceptingProviderIsChosen() {
    Accepting accepting = new Accepting();

    Provider found = Plugins.find(List.of(new Refusing(), accepting), "store", LOCATION, p -> p.accepts(LOCATION));

    assertThat(found).isSameAs(accepting);
  }

  @Test
  void twoAcceptingProvidersAreAnErrorNamingBoth() {
    assertThatThrownBy(() -> Plugins.find(List.of(new Accepting(), new AlsoAccepting()), "store", LOCATION,
        p -> p.accepts(LOCATION)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("more than one store provider accepts memory:default")
        .hasMessageContaining(Accepting.class.getName())
        .hasMessageContaining(AlsoAccepting.class.getName());
  }

  @Test
  void noAcceptingProviderNamesTheUriAndWhatWasFound() {
    assertThatThrownBy(() -> Plugins.find(List.of(new Refusing()), "store", LOCATION, p -> p.accepts(LOCATION)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no store provider accepts memory:default")
        .hasMessageContaining(Refusing.class.getName());
  }

  @Test
  void aBrokenProviderIsSkippedNotFatal() {
    Accepting accepting = new Accepting();
    Iterable<Provider> loader = () -> new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < 3;
      }

      @Override
      public Provider next() {
        switch (next++) {
          case 0:
            throw new ServiceConfigurationError("dev.example.Missing: provider not found");
          case 1:
            return new Throwing();
          case 2:
            return accepting;
          default:
            throw new NoSuchElementException();
        }
      }
    };

    assertThat(Plugins.find(loader, "store", LOCATION, p -> p.accepts(LOCATION))).isSameAs(accepting);
  }
}
