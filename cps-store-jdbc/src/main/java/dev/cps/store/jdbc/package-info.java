/**
 * {@link dev.cps.spi.EnrollmentStore} and {@link dev.cps.spi.PrivateKeyStore} over JDBC: an SQLite
 * file as the zero-setup default, PostgreSQL when several provisioners share the work. Start with
 * {@link dev.cps.store.jdbc.JdbcStores}.
 */
@NullMarked
package dev.cps.store.jdbc;

import org.jspecify.annotations.NullMarked;
