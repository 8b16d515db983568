/**
 * Typed composite actions: `enqueueActions` whose `enqueue(...)` knows the named actions it may
 * enqueue (`record`, `tell`, ...). Inside one `setup()` call TypeScript cannot infer them from
 * the object being defined, so each machine states them once, as `Named`.
 */
import {
  enqueueActions,
  type EventObject,
  type ParameterizedObject,
  type ProvidedActor,
} from 'xstate';

/** A composite-action factory for a machine's context, events, named actions and children. */
export function compositeFor<
  TContext extends object,
  TEvent extends EventObject,
  TNamed extends ParameterizedObject,
  TActor extends ProvidedActor = never,
>() {
  return function composite<TParams extends ParameterizedObject['params'] | undefined = undefined>(
    collect: Parameters<
      typeof enqueueActions<
        TContext,
        TEvent,
        TParams,
        TEvent,
        TActor,
        TNamed,
        never,
        never,
        EventObject
      >
    >[0],
  ) {
    return enqueueActions<
      TContext,
      TEvent,
      TParams,
      TEvent,
      TActor,
      TNamed,
      never,
      never,
      EventObject
    >(collect);
  };
}
