package dev.cps.spi;

import java.util.Objects;

/**
 * The CA no longer knows the order, or the account it was placed with (a test CA that restarted
 * empty, an order that expired). The engine keeps the change's key and CSR and places a new order;
 * the lost one can no longer be issued, so nothing is ordered twice.
 */
public class OrderLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final OrderRef order;

  public OrderLostException(OrderRef order, String detail, Throwable cause) {
    super("order " + order.value() + " is unknown to " + order.authority() + ": " + detail, cause);
    this.order = Objects.requireNonNull(order, "order");
  }

  public OrderLostException(OrderRef order, String detail) {
    super("order " + order.value() + " is unknown to " + order.authority() + ": " + detail);
    this.order = Objects.requireNonNull(order, "order");
  }

  public OrderRef order() {
    return order;
  }
}
