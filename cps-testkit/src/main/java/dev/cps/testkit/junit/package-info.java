/** A JUnit 5 extension that hands each test a ready provisioner on the testkit's fakes. */
@NullMarked
package dev.cps.testkit.junit;

import org.jspecify.annotations.NullMarked;
