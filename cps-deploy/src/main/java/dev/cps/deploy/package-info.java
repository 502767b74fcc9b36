/**
 * Real deployment networks: {@link dev.cps.deploy.FileSystemNetwork} for servers that read
 * certificate files (nginx, HAProxy, Envoy), {@link dev.cps.deploy.JsseNetwork} for Java servers
 * that terminate TLS in process, and {@link dev.cps.deploy.TlsProbe}, which checks with a TLS
 * handshake that an endpoint serves what was deployed.
 */
@NullMarked
package dev.cps.deploy;

import org.jspecify.annotations.NullMarked;
