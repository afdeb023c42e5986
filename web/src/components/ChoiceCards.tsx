import { useId } from 'react'

export interface Choice<T extends string> {
  value: T
  label: string
  hint: string
}

/** Radio buttons as cards: each named by its label alone, its hint as the description. */
export function ChoiceCards<T extends string>({ legend, name, choices, value, onChange, columns = false }: {
  legend: string
  name: string
  choices: Choice<T>[]
  value: T
  onChange: (value: T) => void
  columns?: boolean
}) {
  const id = useId()
  return (
    <fieldset>
      <legend className="text-sm font-semibold text-gray-900">{legend}</legend>
      <div className={`mt-2 grid gap-2 ${columns ? 'sm:grid-cols-2' : ''}`}>
        {choices.map((c) => (
          <div key={c.value} className={`flex gap-3 rounded-md p-3 ring-1 ${value === c.value ? 'bg-blue-50 ring-blue-500' : 'ring-gray-200'}`}>
            <input
              id={`${id}-${c.value}`}
              type="radio"
              name={name}
              value={c.value}
              checked={value === c.value}
              onChange={() => onChange(c.value)}
              aria-describedby={`${id}-${c.value}-hint`}
              className="mt-0.5 h-4 w-4 text-blue-600"
            />
            <div>
              <label htmlFor={`${id}-${c.value}`} className="block cursor-pointer text-sm font-medium text-gray-900">{c.label}</label>
              <p id={`${id}-${c.value}-hint`} className="text-xs text-gray-600">{c.hint}</p>
            </div>
          </div>
        ))}
      </div>
    </fieldset>
  )
}
