package dev.cps.tests;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * A plug-in that forwards every call to a real one, but lets a test step in on the calls it
 * names: to fail one, count them, or change an answer. For the SPIs' interfaces, whose default
 * methods it forwards too.
 */
public final class Intercepted {
  private Intercepted() {}

  /** Calls the real plug-in; what it throws is thrown as it is. */
  @FunctionalInterface
  public interface Proceed {
    Object call() throws Throwable;
  }

  /** Answers one call: by itself, or through {@code proceed}. */
  @FunctionalInterface
  public interface Interceptor {
    Object intercept(Method method, Object[] args, Proceed proceed) throws Throwable;
  }

  public static <T> T of(Class<T> type, T real, Interceptor interceptor) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> interceptor.intercept(method, args, () -> {
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        })));
  }
}
