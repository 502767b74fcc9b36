/** Finds plug-ins through {@link java.util.ServiceLoader}. Not API. */
@NullMarked
package dev.cps.internal.plugins;

import org.jspecify.annotations.NullMarked;
