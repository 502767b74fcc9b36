/**
 * The JSON form of an enrollment, as stores persist it. Not API: the format belongs to the
 * library, and {@link dev.cps.internal.json.EnrollmentJson} is the only way in or out.
 */
@NullMarked
package dev.cps.internal.json;

import org.jspecify.annotations.NullMarked;
