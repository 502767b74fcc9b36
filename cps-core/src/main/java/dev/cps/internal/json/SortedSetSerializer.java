package dev.cps.internal.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Writes a set in its elements' natural order. {@code Set.copyOf} iterates in an order that
 * changes from one JVM run to the next; sorted, the same enrollment is always the same document.
 */
final class SortedSetSerializer extends StdSerializer<Set<?>> {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings({"unchecked", "rawtypes"})
  SortedSetSerializer() {
    super((Class<Set<?>>) (Class) Set.class);
  }

  @Override
  public void serialize(Set<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
    List<Object> elements = new ArrayList<>(value);
    if (elements.stream().allMatch(Comparable.class::isInstance)) {
      elements.sort(naturalOrder());
    }
    gen.writeStartArray(value, elements.size());
    for (Object element : elements) {
      provider.defaultSerializeValue(element, gen);
    }
    gen.writeEndArray();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Comparator<Object> naturalOrder() {
    return (Comparator) Comparator.naturalOrder();
  }
}
