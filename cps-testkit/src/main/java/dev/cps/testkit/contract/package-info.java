/**
 * Contract tests for the plug-in SPIs. A store, CA or network implementation extends the matching
 * abstract class, says how to build an instance, and inherits every test the fakes pass too.
 */
@NullMarked
package dev.cps.testkit.contract;

import org.jspecify.annotations.NullMarked;
