/**
 * The contracts a host plugs in (certificate authorities, challenge solvers, deployment networks,
 * key and enrollment stores, listeners) and the immutable values they exchange.
 */
@NullMarked
package dev.cps.spi;

import org.jspecify.annotations.NullMarked;
