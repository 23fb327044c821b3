import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { CHAT_API_URL } from './app/chat.service';
import { ChatComponent } from './app/chat.component';

bootstrapApplication(ChatComponent, {
  providers: [
    provideZonelessChangeDetection(),
    // The app calls its own backend, which holds the API key. `?api=` points it
    // elsewhere (the end-to-end tests use a replay server).
    { provide: CHAT_API_URL, useValue: new URLSearchParams(location.search).get('api') ?? '/api/cohere' },
  ],
}).catch((err: unknown) => console.error(err));
