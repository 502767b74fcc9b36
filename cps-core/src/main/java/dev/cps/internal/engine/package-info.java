/** The lifecycle engine: steps, rules, scheduling and events. Not API. */
@NullMarked
package dev.cps.internal.engine;

import org.jspecify.annotations.NullMarked;
