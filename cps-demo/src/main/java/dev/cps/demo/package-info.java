/** The main job: a year of certificate life, told as it happens. */
@NullMarked
package dev.cps.demo;

import org.jspecify.annotations.NullMarked;
