import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { ChatComponent } from './app/chat.component';

bootstrapApplication(ChatComponent, {
  // The app calls its own backend (`/api`, see CHAT_API_URL), which holds the API key.
  providers: [provideZonelessChangeDetection()],
}).catch((err: unknown) => console.error(err));
